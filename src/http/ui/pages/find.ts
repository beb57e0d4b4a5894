/**
 * The header's search (`/ui/find?taskId=`): straight to the task, or a page
 * that says there is none.
 *
 * @module
 */

import { html } from "hono/html";
import { dashboardBase, type Page } from "../page.ts";

/** The task's page, or a 404 that says there is no such task (or that no id was typed). */
export const findPage: Page<{ id: string }> = {
  path: "/find",
  async load(c, taskq) {
    const id = (c.req.query("taskId") ?? "").trim();
    if (id && await taskq.task(id)) return c.redirect(`${dashboardBase(c)}/tasks/${encodeURIComponent(id)}`, 303);
    return { id };
  },
  render({ id }, at) {
    const body = html`
      <h1>Not found</h1>
      <div class="alert">${id ? html`No task with id <code>${id}</code>.` : "Enter a task id."}</div>
      <p><a href="${at.base}">Back to the overview</a></p>
    `;
    return { title: "Not found", body, status: 404 };
  },
};
