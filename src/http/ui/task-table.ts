/**
 * The dashboard's table of tasks (the task list, a group's page). Each row
 * stays one line however long its names: the id is a monospace link cut with
 * an ellipsis, the topic, sub-topic and last owner are cut to their cells,
 * the whole of each in its `title`. On a narrow screen each row is a block of
 * labelled fields instead of a wide table.
 *
 * @module
 */

import { html } from "hono/html";
import type { Task } from "../../types.ts";
import { badge, clipped, count, time } from "./format.ts";
import type { Html } from "./html.ts";

/** Tasks per page of a list (the task list, a group's page). */
export const TASKS_PER_PAGE = 50;

/** The tasks as a table, each id a link to the task's page. */
export function taskTable(base: string, tasks: Task[]): Html {
  return html`
    <div class="card scroll">
      <table class="tasks">
    <tr class="head"><th>task</th><th>topic</th><th>status</th><th>description</th><th>last owner</th><th class="num">attempts</th><th>updated</th></tr>
    ${tasks.length ? "" : html`
      <tr>
        <td colspan="7" class="muted">No tasks match.</td>
      </tr>
    `}
    ${tasks.map((t) =>
      html`
        <tr>
          <td class="id">${clipped(t.taskId, `${base}/tasks/${encodeURIComponent(t.taskId)}`)}</td>
          <td class="topic">${clipped(`${t.topic} / ${t.subTopic}`)}</td>
          <td data-label="status">${badge(t.status)}</td>
          <td class="text">${t.taskDescription ?? ""}</td>
          <td class="owner" data-label="last owner">${t.lastPid === null ? "—" : clipped(t.lastPid)}</td>
          <td class="num" data-label="attempts">${count(t.attempts)}</td>
          <td class="time" data-label="updated">${time(t.updatedAt)}</td>
        </tr>
      `
    )}</table>
    </div>
  `;
}
