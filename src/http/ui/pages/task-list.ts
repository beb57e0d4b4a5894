/**
 * The task list (`/ui/tasks`): the tasks that match the filter form (topic,
 * sub-topic, schedule, status, updated from / to, order), a page at a time,
 * with their count; the list refreshes in place. A refused filter is shown
 * again with its error beside its field; a refused cursor (from the link, not
 * the form) says so and links to the list's first page.
 *
 * @module
 */

import { html } from "hono/html";
import * as v from "valibot";
import { TaskError } from "../../../errors.ts";
import { STATUSES, statusMessage } from "../../../schemas.ts";
import type { ListFilters, Page as TaskPage } from "../../../types.ts";
import { count, time } from "../format.ts";
import { fieldErrors, type FormState, readForm, text } from "../form-fields.ts";
import type { Html } from "../html.ts";
import { notice } from "../notices.ts";
import { type Page, refreshing } from "../page.ts";
import { TASKS_PER_PAGE, taskTable } from "../task-table.ts";
import { filterForm } from "./task-filter-form.ts";

/** A filter time: a date-time read as UTC (as the form says), or epoch ms; null when it is neither. */
function toMs(value: string): number | null {
  const v = value.trim();
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

const utcTime = v.pipe(
  text,
  v.optional(v.pipe(v.string(), v.transform(toMs), v.number("must be a date and time (UTC), e.g. 2026-01-31T08:00"))),
);

/** The list's query: its filters, its order and its cursor. */
const ListQuery = v.object({
  topic: text,
  subTopic: text,
  schedule: text,
  status: v.pipe(text, v.optional(v.picklist(STATUSES, statusMessage))),
  from: utcTime,
  to: utcTime,
  order: v.pipe(text, v.transform((o) => (o === "asc" ? "asc" as const : "desc" as const))),
  cursor: text,
});

interface TaskList {
  query: Record<string, string>;
  state: FormState;
  /** A page of the list and the count of all it holds; none when the filter was refused. */
  found?: { page: TaskPage; total: number };
  /** The link's cursor, refused. */
  badCursor?: TaskError;
}

/** The page of a list whose cursor (from the URL, not the form) was refused: why, and a link to its first page. */
function cursorRefused(base: string, q: Record<string, string>, e: TaskError): Html {
  const params = new URLSearchParams(q);
  params.delete("cursor");
  params.delete("notice");
  const first = params.size ? `${base}/tasks?${params}` : `${base}/tasks`;
  const why = e.issues?.find((i) => i.path === "cursor")?.message ?? "is not valid";
  return html`<div class="alert" role="alert">This page's link is not valid: its cursor ${why}. <a href="${first}"
    >Start over from the first page</a></div>`;
}

/** The count, the table and the pager of a page of the list. */
function taskList(base: string, q: Record<string, string>, p: TaskPage, total: number): Html {
  const link = (cursor: string) => {
    const params = new URLSearchParams(q);
    params.delete("notice");
    params.set("cursor", cursor);
    return `${base}/tasks?${params}`;
  };
  const first = (() => {
    const params = new URLSearchParams(q);
    params.delete("notice");
    params.delete("cursor");
    return `${base}/tasks?${params}`;
  })();
  return html`
    <p class="muted"
      data-testid="total">${count(total)} ${total === 1 ? "task matches" : "tasks match"}${q.cursor
        ? html`
          · <a href="${first}">first page</a>
        `
        : ""} · refreshed <span data-testid="refreshed">${time(Date.now())}</span></p>
    ${taskTable(base, p.data)}
    <p class="pager">${p.prevCursor
      ? html`<a href="${link(p.prevCursor)}" rel="prev">← Previous page</a>`
      : ""}${p.cursor
      ? html`<a href="${link(p.cursor)}" rel="next">Next page →</a>`
      : html`<span class="muted">End of list.</span>`}</p>
  `;
}

/** The task list; a refused filter or cursor is a 400. */
export const taskListPage: Page<TaskList> = {
  path: "/tasks",
  async load(c, taskq) {
    const query = c.req.query();
    const { state, fields } = readForm(ListQuery, query);
    if (!fields) return { query, state };
    const { order, cursor, ...given } = fields;
    const filters = Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined)) as ListFilters;
    try {
      const [page, total] = await Promise.all([
        taskq.listTasks(filters, { limit: TASKS_PER_PAGE, order, cursor: cursor ?? null }),
        taskq.countTasks(filters),
      ]);
      return { query, state, found: { page, total } };
    } catch (e) {
      if (!(e instanceof TaskError) || e.type !== "bad-request") throw e;
      // the cursor is no field of the form: say what is wrong with the link, and where to start over
      if (e.code === "invalid-cursor") return { query, state, badCursor: e };
      fieldErrors(state, e);
      return { query, state };
    }
  },
  render({ query, state, found, badCursor }, at) {
    const live = badCursor
      ? cursorRefused(at.base, query, badCursor)
      : found
      ? taskList(at.base, query, found.page, found.total)
      : html`<p class="muted">Fix the filter above to list tasks.</p>`;
    const failedFilter = badCursor !== undefined || Object.keys(state.errors).length > 0;
    const body = html`<h1>Tasks</h1>
${notice(query.notice)}
${filterForm(at.base, state)}
${failedFilter ? live : refreshing(at, live)}`;
    return { title: "Tasks", body, status: failedFilter ? 400 : 200, live, liveStatus: badCursor ? 400 : 200 };
  },
};
