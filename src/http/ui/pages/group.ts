/**
 * A group's page (`/ui/groups/:groupId`): its tasks, a page at a time (a
 * fan-out group can hold many thousands), in the order of the task list.
 *
 * @module
 */

import { html } from "hono/html";
import type { Page as TaskPage } from "../../../types.ts";
import type { Page } from "../page.ts";
import { TASKS_PER_PAGE, taskTable } from "../task-table.ts";

interface Group {
  id: string;
  group: TaskPage;
  total: number;
}

/** A group's page (an unknown group is an empty one). */
export const groupPage: Page<Group, "/groups/:groupId"> = {
  path: "/groups/:groupId",
  async load(c, taskq) {
    const id = c.req.param("groupId");
    const [group, total] = await Promise.all([
      taskq.listTasks({ taskGroupId: id }, { limit: TASKS_PER_PAGE, cursor: c.req.query("cursor") || null }),
      taskq.countTasks({ taskGroupId: id }),
    ]);
    return { id, group, total };
  },
  render({ id, group, total }, at) {
    const link = (cursor: string) => `${at.base}/groups/${encodeURIComponent(id)}?cursor=${encodeURIComponent(cursor)}`;
    const body = html`
      <h1>Group ${id}</h1><p class="muted" data-testid="total">${total} ${total === 1
        ? "task"
        : "tasks"}</p>${taskTable(at.base, group.data)}<p
        class="pager">${group.prevCursor
          ? html`<a href="${link(group.prevCursor)}" rel="prev">← Previous page</a>`
          : ""}${group.cursor ? html`<a href="${link(group.cursor)}" rel="next">Next page →</a>` : ""}</p>
    `;
    return { title: "Group", body };
  },
};
