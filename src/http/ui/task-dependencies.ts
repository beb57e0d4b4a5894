/**
 * What a task's page says of its place in a flow: its unique key and policy,
 * what it waits for (its `dependsOn`, each with its status as read with the
 * task, a link to its page; a pruned one said to be pruned), why a `blocked`
 * task is not running, the group it follows (a group's follow-up), and what
 * waits for it (a page of `dependants`, paged by cursor).
 *
 * @module
 */

import { html } from "hono/html";
import { STATUS_RULES } from "../../transitions.ts";
import type { DependencyFailurePolicy, Page as TaskPage, Task, TaskStatus, UniquePolicy } from "../../types.ts";
import { badge, clipped, count, duration } from "./format.ts";
import type { Html } from "./html.ts";
import { taskTable } from "./task-table.ts";

/** Dependants shown per page of a task's page. */
export const DEPENDANTS_PER_PAGE = 20;

/** The query key of the task page that holds the dependants' cursor. */
export const DEPENDANTS_CURSOR = "dependants";

/** A unique policy in words. */
export function uniqueText(u: UniquePolicy | null): string {
  if (u === null || u === "active") return "active: held while the task has not ended";
  if (u === "queued") return "queued: held until the task is first reserved";
  if ("periodMs" in u) return `period: one task per ${duration(u.periodMs)} window (aligned on the database clock)`;
  const most = u.maxWaitMs === undefined ? "" : `, at most ${duration(u.maxWaitMs)} after its creation`;
  return `debounce: a new create moves its run to ${duration(u.debounceMs)} later${most}`;
}

/** What a dependency ending failed or cancelled does, in words. */
export function onFailureText(p: DependencyFailurePolicy): string {
  return {
    fail: "fail: a dependency ending failed or cancelled fails this task",
    cancel: "cancel: a dependency ending failed or cancelled cancels this task",
    run: "run: it runs once every dependency has ended, whatever the outcome",
  }[p];
}

const ended = (s: TaskStatus | null) => s === null || STATUS_RULES[s].final;
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

/**
 * Why a blocked task is not running, in a sentence: how many of its
 * dependencies it still waits for (one that ended failed or cancelled is
 * waited for too unless its policy is "run": it waits for it to be re-run),
 * or, for a follow-up, its group's tasks.
 */
export function blockedReason(t: Task): string {
  if (t.followUpOf !== null && t.dependsOn.length === 0) {
    return `Not running: waiting for the tasks of group ${t.followUpOf} (as it was sealed) to end.`;
  }
  const failedEnds = t.onDependencyFailure === "run"
    ? []
    : t.dependsOn.filter((d) => d.status === "failed" || d.status === "cancelled");
  const open = t.dependsOn.filter((d) => !ended(d.status));
  const waited = open.length + failedEnds.length;
  const of = `${count(waited)} of ${plural(t.dependsOn.length, "dependency", "dependencies")}`;
  const n = failedEnds.length;
  const rerun = n
    ? ` (${count(n)} of them ended failed or cancelled: it waits for ${n === 1 ? "it" : "them"} to be re-run)`
    : "";
  return `Not running: waiting for ${of}${rerun}.`;
}

/** The fields of the task's `dl` that flows add: its unique key, its dependency policy, the group it follows. */
export function flowFields(base: string, t: Task): Html {
  return html`
    <dt>unique key</dt>
    <dd data-testid="unique-key">${t.uniqueKey === null
      ? "—"
      : html`<code>${t.uniqueKey}</code> <span class="muted wrap">${uniqueText(t.unique)}</span>`}</dd>
    ${t.onDependencyFailure === null ? "" : html`
      <dt>on dependency failure</dt>
      <dd class="wrap" data-testid="on-dependency-failure">${onFailureText(t.onDependencyFailure)}</dd>
    `}
    ${t.followUpOf === null ? "" : html`
      <dt>follow-up of</dt>
      <dd class="wrap"
        data-testid="follow-up-of">group <a href="${base}/groups/${encodeURIComponent(t.followUpOf)}">${t
          .followUpOf}</a>: it waits for every task the group had when it was sealed</dd>
    `}
  `;
}

/** The link to a task's page, its status beside it; a pruned one (status null) is said to be, without a link. */
function dependencyItem(base: string, taskId: string, status: TaskStatus | null): Html {
  return status === null
    ? html`<li class="cell" data-status="pruned"><span class="muted">pruned</span>${clipped(taskId)}</li>`
    : html`<li class="cell" data-status="${status}">${badge(status)}${
      clipped(taskId, `${base}/tasks/${encodeURIComponent(taskId)}`)
    }</li>`;
}

/** "Waits for": the task's dependencies with their statuses (none: nothing; a follow-up: its group). */
export function waitsFor(base: string, t: Task): Html | string {
  if (t.dependsOn.length === 0 && t.followUpOf === null) return "";
  const list = t.dependsOn.length
    ? html`<ul class="deps" data-testid="waits-for">${
      t.dependsOn.map((d) => dependencyItem(base, d.taskId, d.status))
    }</ul>`
    : html`
      <p class="wrap"
        data-testid="waits-for">The tasks of group <a href="${base}/groups/${encodeURIComponent(
          t.followUpOf!,
        )}">${t.followUpOf}</a>, as it was sealed.</p>
    `;
  return html`
    <h2>Waits for</h2>
    <div class="card">${list}</div>
  `;
}

/** A result of reading the dependants: a page, or the refusal of the link's cursor. */
export type Dependants = { page: TaskPage } | { badCursor: string };

/** "Waited on by": a page of the tasks that depend on this one, with previous / next links. */
export function waitedOnBy(base: string, t: Task, d: Dependants): Html {
  const here = `${base}/tasks/${encodeURIComponent(t.taskId)}`;
  if ("badCursor" in d) {
    return html`
      <h2>Waited on by</h2>
      <div class="alert" role="alert" data-testid="waited-on-by">This page's link
            is not valid: its cursor ${d.badCursor}. <a href="${here}">Start from the first page</a></div>
    `;
  }
  const { page } = d;
  const link = (cursor: string) => `${here}?${new URLSearchParams({ [DEPENDANTS_CURSOR]: cursor })}`;
  if (!page.data.length && !page.prevCursor) {
    return html`
      <h2>Waited on by</h2>
      <p class="muted" data-testid="waited-on-by">No task waits for it.</p>
    `;
  }
  return html`
    <h2>Waited on by</h2>
    <div data-testid="waited-on-by">${taskTable(base, page.data)}</div>
    <p class="pager">${page.prevCursor
      ? html`<a href="${here}" rel="first">First page</a><a href="${
        link(page.prevCursor)
      }" rel="prev">← Previous page</a>`
      : ""}${page.cursor ? html`<a href="${link(page.cursor)}" rel="next">More →</a>` : ""}</p>
  `;
}
