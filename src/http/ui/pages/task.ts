/**
 * A task's page (`/ui/tasks/:taskId`): every field (a slot task's schedule,
 * linked to its page, and its slot too), its data and result,
 * and the buttons of the actions its status allows (each a form that posts
 * to `/ui/tasks/:taskId/<action>`, see `actions.ts`).
 *
 * @module
 */

import { html } from "hono/html";
import { TaskError } from "../../../errors.ts";
import type { Task } from "../../../types.ts";
import { badge, time } from "../format.ts";
import type { Html } from "../html.ts";
import { notice } from "../notices.ts";
import type { Page } from "../page.ts";
import { scheduleHref } from "../schedule-table.ts";

/** A task's backoff in words ("worker default" when it has none of its own). */
function backoffText(t: Task): string {
  const b = t.backoff;
  if (b === null) return "worker default";
  if (b.type === "fixed") return `fixed ${b.delayMs} ms`;
  return `exponential from ${b.baseMs ?? 1000} ms, at most ${b.capMs ?? 3_600_000} ms`;
}

/** The task's fields, its data and result, and the actions its status allows. */
function detail(base: string, t: Task, noticeKey: string | undefined): Html {
  const unowned = t.status === "starting" || t.status === "snoozed";
  const action = (name: string) => `${base}/tasks/${encodeURIComponent(t.taskId)}/${name}`;
  return html`
    ${notice(noticeKey)}
    <h1>Task ${t.taskId} ${badge(t.status)}</h1>
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
    <h2>Data</h2>
    <pre data-testid="task-data">${JSON.stringify(t.data, null, 2)}</pre>
    <h2>Result</h2>
    <pre data-testid="task-result">${t.result === null ? "—" : JSON.stringify(t.result, null, 2)}</pre>
    <h2>Actions</h2>
    <div class="row">
    ${t.status === "running" || t.status === "snoozed"
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
    ${unowned
      ? html`<form method="post" action="${
        action("hold")
      }"><button class="secondary">Hold (keep from running)</button></form>`
      : ""}
    ${t.status === "held"
      ? html`<form method="post" action="${action("release")}"><button>Release → starting</button></form>`
      : ""}
    ${unowned || t.status === "running" || t.status === "held"
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
    ${t.status === "failed" || t.status === "cancelled"
      ? html`<form method="post" action="${action("retry")}"><button>Re-run → starting</button></form>`
      : ""}
    ${t.status === "terminated" ? html`<span class="muted">A terminated task is final.</span>` : ""}
    </div>
  `;
}

/** A task's page; a 404 for an unknown id. */
export const taskPage: Page<{ task: Task; notice: string | undefined }, "/tasks/:taskId"> = {
  path: "/tasks/:taskId",
  async load(c, taskq) {
    const task = await taskq.task(c.req.param("taskId"));
    if (!task) throw new TaskError("not-found", "task-not-found", `no task ${c.req.param("taskId")}`);
    return { task, notice: c.req.query("notice") };
  },
  render: ({ task, notice }, at) => ({ title: task.taskId, body: detail(at.base, task, notice) }),
};
