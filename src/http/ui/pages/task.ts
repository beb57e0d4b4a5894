/**
 * A task's page (`/ui/tasks/:taskId`): every field (a slot task's schedule,
 * linked to its page, and its slot too; its unique key, and the group it
 * follows), why a blocked task is not running, what it waits for and what
 * waits for it (`task-dependencies.ts`), its data and result, and the
 * buttons of the actions its status allows (each a form that posts to
 * `/ui/tasks/:taskId/<action>`, see `actions.ts`).
 *
 * @module
 */

import { html } from "hono/html";
import { TaskError } from "../../../errors.ts";
import { fromOf, type Guard, type Operation } from "../../../transitions.ts";
import type { Task } from "../../../types.ts";
import { badge, time } from "../format.ts";
import type { Html } from "../html.ts";
import { notice } from "../notices.ts";
import type { Page } from "../page.ts";
import { scheduleHref } from "../schedule-table.ts";
import {
  blockedReason,
  type Dependants,
  DEPENDANTS_CURSOR,
  DEPENDANTS_PER_PAGE,
  flowFields,
  waitedOnBy,
  waitsFor,
} from "../task-dependencies.ts";

/** A task's backoff in words ("worker default" when it has none of its own). */
function backoffText(t: Task): string {
  const b = t.backoff;
  if (b === null) return "worker default";
  if (b.type === "fixed") return `fixed ${b.delayMs} ms`;
  return `exponential from ${b.baseMs ?? 1000} ms, at most ${b.capMs ?? 3_600_000} ms`;
}

/** The task's fields, what it waits for and what waits for it, its data and result, and its actions. */
function detail(base: string, t: Task, noticeKey: string | undefined, dependants: Dependants): Html {
  // which buttons show: the statuses each action moves a task from, as the transition table says (an operator's
  // terminate and fail: only a task nobody holds)
  const can = (op: Operation, guard?: Guard) => fromOf(op, guard).includes(t.status);
  const unowned = can("terminate", "unowned");
  const action = (name: string) => `${base}/tasks/${encodeURIComponent(t.taskId)}/${name}`;
  return html`
    ${notice(noticeKey)}
    <h1>Task ${t.taskId} ${badge(t.status)}</h1>
    ${t.status === "blocked" ? html`<p class="why" data-testid="why-blocked">${blockedReason(t)}</p>` : ""}
    <div class="card">
      <dl>
        <dt>topic / sub-topic</dt>
        <dd><a href="${base}/tasks?topic=${encodeURIComponent(t.topic)}">${t.topic}</a> / ${t.subTopic}</dd>
        <dt>group</dt>
        <dd><a href="${base}/groups/${encodeURIComponent(t.taskGroupId)}">${t.taskGroupId}</a></dd>
        ${t.scheduleName === null ? "" : html`
          <dt>schedule</dt>
          <dd data-testid="schedule"><a href="${scheduleHref(base, t.scheduleName)}">${t.scheduleName}</a></dd>
          <dt>slot</dt>
          <dd data-testid="slot">${time(t.slotAt)}</dd>
        `}
        ${flowFields(base, t)}
        <dt>description</dt>
        <dd>${t.taskDescription ?? "—"}</dd>
        <dt>owner (pid)</dt>
        <dd>${t.pid ?? "—"}</dd>
        <dt>last owner</dt>
        <dd data-testid="last-owner">${t.lastPid ?? "never reserved"}</dd>
        <dt>lease</dt>
        <dd>${t.leaseId ?? "—"}${t.leaseExpiresAt
          ? html`
            until ${time(t.leaseExpiresAt)}
          `
          : ""}</dd>
        <dt>attempts</dt>
        <dd data-testid="attempts">${t.attempts} reserved, ${t.failures} failed${t.maxAttempts === null
          ? ""
          : ` of ${t.maxAttempts} allowed`}</dd>
        <dt>backoff</dt>
        <dd>${backoffText(t)}</dd>
        <dt>priority</dt>
        <dd>${t.priority}</dd>
        <dt>reservable from</dt>
        <dd data-testid="run-at">${t.runAt === null ? "—" : time(t.runAt)}</dd>
        <dt>record version</dt>
        <dd>${t.recordVer}</dd>
        <dt>timeout</dt>
        <dd>${t.timeoutMs === null ? "worker default" : `${t.timeoutMs} ms`}</dd>
        <dt>snooze</dt>
        <dd>${t.snoozeTime === null ? "—" : `${t.snoozeTime} ms`}</dd>
        <dt>created</dt>
        <dd>${time(t.createdAt)}</dd>
        <dt>updated</dt>
        <dd>${time(t.updatedAt)}</dd>
        <dt>error</dt>
        <dd class="${t.error ? "error" : ""}">${t.error ?? "—"}</dd>
      </dl>
    </div>
    ${waitsFor(base, t)} ${waitedOnBy(base, t, dependants)}
    <h2>Data</h2>
    <pre data-testid="task-data">${JSON.stringify(t.data, null, 2)}</pre>
    <h2>Result</h2>
    <pre data-testid="task-result">${t.result === null ? "—" : JSON.stringify(t.result, null, 2)}</pre>
    <h2>Actions</h2>
    <div class="row">
    ${can("revokeLease")
      ? html`
        <form method="post"
          action="${action("revoke")}"><input type="hidden" name="recordVer" value="${t
            .recordVer}"><button>Revoke lease → starting</button></form>
      `
      : ""}
    ${unowned
      ? html`
        <details class="action">
          <summary>Mark terminated…</summary>
          <form method="post"
            action="${action(
              "terminate",
            )}"><span class="muted">The task will not run again.</span><button class="secondary">Confirm: mark terminated</button></form>
        </details>
        <details class="action">
          <summary>Mark failed…</summary>
          <form method="post"
            action="${action(
              "fail",
            )}"><label>reason<input name="reason" required maxlength="1000" placeholder="why it will not run"></label><button class="danger">Confirm: mark failed</button></form>
        </details>
      `
      : ""}
    ${can("holdTask")
      ? html`<form method="post" action="${
        action("hold")
      }"><button class="secondary">Hold (keep from running)</button></form>`
      : ""}
    ${can("releaseTask")
      ? html`<form method="post" action="${action("release")}"><button>Release → starting</button></form>`
      : ""}
    ${can("cancelTask")
      ? html`
        <details class="action">
          <summary>Cancel…</summary>
          <form method="post"
            action="${action(
              "cancel",
            )}"><label>reason<input name="cancelReason" maxlength="1000" placeholder="why it should not run"></label><button class="danger">Confirm: cancel</button></form>
        </details>
      `
      : ""}
    ${can("retryTask")
      ? html`<form method="post" action="${action("retry")}"><button>Re-run → ${
        t.dependsOn.length || t.followUpOf !== null ? "starting, or blocked while it waits" : "starting"
      }</button></form>`
      : ""}
    ${t.status === "terminated" ? html`<span class="muted">A terminated task is final.</span>` : ""}
    </div>
  `;
}

interface TaskView {
  task: Task;
  notice: string | undefined;
  dependants: Dependants;
}

/** A task's page; a 404 for an unknown id; a 400 (the page, saying so) when the dependants' cursor is refused. */
export const taskPage: Page<TaskView, "/tasks/:taskId"> = {
  path: "/tasks/:taskId",
  async load(c, taskq) {
    const id = c.req.param("taskId");
    const cursor = c.req.query(DEPENDANTS_CURSOR) || null;
    const task = await taskq.task(id);
    if (!task) throw new TaskError("not-found", "task-not-found", `no task ${id}`);
    const dependants = await taskq.dependants(id, { limit: DEPENDANTS_PER_PAGE, cursor }).then(
      (page): Dependants => ({ page }),
      (e): Dependants => {
        // a link's cursor that is not one: the page says so (a 400), with a link to the first page
        if (!(e instanceof TaskError) || e.code !== "invalid-cursor") throw e;
        return { badCursor: e.issues?.[0]?.message ?? "is not valid" };
      },
    );
    return { task, notice: c.req.query("notice"), dependants };
  },
  render: ({ task, notice, dependants }, at) => ({
    title: task.taskId,
    body: detail(at.base, task, notice, dependants),
    status: "badCursor" in dependants ? 400 : 200,
  }),
};
