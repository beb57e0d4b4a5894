/**
 * The schedules page (`/ui/schedules`): every schedule, in natural order of
 * their names, a page of {@link SCHEDULES_PER_PAGE} at a time (`?page=2`),
 * each with its latest {@link RECENT_SLOTS} slots and their tasks; a pause /
 * resume button per schedule that comes back to the same page. The table
 * refreshes in place.
 *
 * @module
 */

import { html } from "hono/html";
import { invalid } from "../../../schemas.ts";
import { time } from "../format.ts";
import type { Html } from "../html.ts";
import { naturalCompare } from "../natural-order.ts";
import { notice } from "../notices.ts";
import { type Page, refreshing } from "../page.ts";
import { type ScheduleRow, scheduleRows } from "../recent-slots.ts";
import { scheduleTable } from "../schedule-table.ts";

/** Schedules per page: each costs {@link RECENT_SLOTS} reads by id for its latest slots. */
export const SCHEDULES_PER_PAGE = 25;

/** The latest slots shown per schedule. */
export const RECENT_SLOTS = 5;

interface Schedules {
  /** The page shown (1 = the first). */
  page: number;
  pages: number;
  total: number;
  rows: ScheduleRow[];
  /** The database clock. */
  now: number;
  notice: string | undefined;
}

/** The `page` of the query: a whole number from 1 (default 1), or a 400 naming it. */
function pageOf(value: string | undefined): number {
  if (value === undefined || value === "") return 1;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
    throw invalid("query", [{ path: "page", message: "must be a whole number from 1" }], "invalid-request");
  }
  return Number(value);
}

function pager(base: string, page: number, pages: number): Html {
  const to = (p: number) => (p === 1 ? `${base}/schedules` : `${base}/schedules?page=${p}`);
  return html`
    <p
      class="pager">${page > 1
        ? html`<a href="${to(1)}" rel="first">First page</a><a href="${to(page - 1)}" rel="prev">← Previous page</a>`
        : ""}${page < pages
        ? html`<a href="${to(page + 1)}" rel="next">Next page →</a><a href="${to(pages)}" rel="last">Last page</a>`
        : html`<span class="muted">End of list.</span>`}<span class="muted">refreshed <span data-testid="refreshed">${time(
          Date.now(),
        )}</span></span></p>
  `;
}

/** The schedules page; a `page` that is not a whole number from 1 is a 400. */
export const schedulesPage: Page<Schedules> = {
  path: "/schedules",
  async load(c, taskq) {
    const page = pageOf(c.req.query("page"));
    const all = (await taskq.listSchedules()).sort((a, b) => naturalCompare(a.name, b.name));
    const shown = all.slice((page - 1) * SCHEDULES_PER_PAGE, page * SCHEDULES_PER_PAGE);
    const { rows, now } = await scheduleRows(taskq, shown, RECENT_SLOTS);
    const pages = Math.max(1, Math.ceil(all.length / SCHEDULES_PER_PAGE));
    return { page, pages, total: all.length, rows, now, notice: c.req.query("notice") };
  },
  render({ page, pages, total, rows, now, notice: noticeKey }, at) {
    const hidden = new URLSearchParams(page > 1 ? { page: String(page) } : {});
    const empty = total
      ? "No schedules on this page."
      : html`No schedules yet: <code>taskq.schedule()</code> makes one.`;
    const live = html`<p class="muted" data-testid="total">${total} ${total === 1 ? "schedule" : "schedules"}</p>${
      scheduleTable(at.base, rows, now, hidden, empty)
    }${pager(at.base, page, pages)}`;
    const body = html`
      ${notice(noticeKey)}
      <h1>Schedules</h1>
      ${refreshing(at, live)}
      <p class="muted">Times are on the database clock. A slot's task is the one made for that time; "no task": the
        slot was skipped (overlap, a pause, outside the backfill window) or its task was pruned. Refreshes every 5 s.</p>
    `;
    return { title: "Schedules", body, live };
  },
};
