/**
 * A group's page (`/ui/groups/:groupId`): its follow-up when it is sealed
 * (`sealGroup`: the task, its status and a link; "not sealed" otherwise),
 * then its tasks, a page at a time (a fan-out group can hold many
 * thousands), in the order of the task list.
 *
 * @module
 */

import { html } from "hono/html";
import type { Page as TaskPage, Task } from "../../../types.ts";
import { badge, clipped } from "../format.ts";
import type { Html } from "../html.ts";
import type { Page } from "../page.ts";
import { TASKS_PER_PAGE, taskTable } from "../task-table.ts";

interface Group {
  id: string;
  group: TaskPage;
  total: number;
  followUp: Task | null;
}

/** The group's follow-up, or that it has none. */
function followUpCard(base: string, t: Task | null): Html {
  if (t === null) {
    return html`<p class="muted" data-testid="follow-up">Not sealed: the group has no follow-up.</p>`;
  }
  const when = t.status === "blocked"
    ? "it runs once the tasks the group had when it was sealed have ended"
    : "made when the group was sealed, it waited for the tasks the group had then";
  return html`
    <div class="card" data-testid="follow-up">
      <div class="cell follow-up"><span class="muted">follow-up</span>${badge(t.status)}${clipped(
        t.taskId,
        `${base}/tasks/${encodeURIComponent(t.taskId)}`,
      )}</div>
      <span class="muted">${when}</span>
    </div>
  `;
}

/** A group's page (an unknown group is an empty one). */
export const groupPage: Page<Group, "/groups/:groupId"> = {
  path: "/groups/:groupId",
  async load(c, taskq) {
    const id = c.req.param("groupId");
    const [group, total, followUp] = await Promise.all([
      taskq.listTasks({ taskGroupId: id }, { limit: TASKS_PER_PAGE, cursor: c.req.query("cursor") || null }),
      taskq.countTasks({ taskGroupId: id }),
      taskq.groupFollowUp(id),
    ]);
    return { id, group, total, followUp };
  },
  render({ id, group, total, followUp }, at) {
    const link = (cursor: string) => `${at.base}/groups/${encodeURIComponent(id)}?cursor=${encodeURIComponent(cursor)}`;
    const body = html`
      <h1>Group ${id}</h1>${followUpCard(at.base, followUp)}<p class="muted" data-testid="total">${total} ${total === 1
        ? "task"
        : "tasks"}</p>${taskTable(at.base, group.data)}<p
        class="pager">${group.prevCursor
          ? html`<a href="${link(group.prevCursor)}" rel="prev">← Previous page</a>`
          : ""}${group.cursor ? html`<a href="${link(group.cursor)}" rel="next">Next page →</a>` : ""}</p>
    `;
    return { title: "Group", body };
  },
};
