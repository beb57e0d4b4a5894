/**
 * A schedule's own page (`/ui/schedules/:name`): its row of the schedules
 * table with its latest {@link SLOTS} slots (refreshed in place), then the
 * task it makes for each slot, and a link to all its tasks.
 *
 * @module
 */

import { html } from "hono/html";
import { TaskError } from "../../../errors.ts";
import type { Schedule } from "../../../types.ts";
import { duration, time } from "../format.ts";
import { notice } from "../notices.ts";
import { type Page, refreshing } from "../page.ts";
import { type ScheduleRow, scheduleRows } from "../recent-slots.ts";
import { scheduleTable } from "../schedule-table.ts";

/** The latest slots shown on a schedule's page. */
const SLOTS = 20;

interface ScheduleView {
  row: ScheduleRow;
  now: number;
  notice: string | undefined;
}

/** What the schedule makes for each slot. */
function definition(base: string, s: Schedule) {
  const b = s.backoff;
  const backoff = b === null
    ? "worker default"
    : b.type === "fixed"
    ? `fixed ${b.delayMs} ms`
    : `exponential from ${b.baseMs ?? 1000} ms, at most ${b.capMs ?? 3_600_000} ms`;
  return html`
    <div class="card">
      <dl>
        <dt>topic / sub-topic</dt>
        <dd><a href="${base}/topics/${encodeURIComponent(s.topic)}">${s.topic}</a> / ${s.subTopic}</dd>
        <dt>description</dt>
        <dd>${s.taskDescription ?? "—"}</dd>
        <dt>overlap</dt>
        <dd>${s.overlap === "skip" ? "skip a slot while the previous task has not finished" : "allow"}</dd>
        <dt>backfill window</dt>
        <dd>${s.backfillMs ? duration(s.backfillMs) : "none: after downtime, only the latest missed slot"}</dd>
        <dt>priority</dt>
        <dd>${s.priority}</dd>
        <dt>max attempts</dt>
        <dd>${s.maxAttempts ?? "worker default"}</dd>
        <dt>backoff</dt>
        <dd>${backoff}</dd>
        <dt>timeout</dt>
        <dd>${s.timeoutMs === null ? "worker default" : `${s.timeoutMs} ms`}</dd>
        <dt>last task</dt>
        <dd>${s.lastTaskId
          ? html`<a href="${base}/tasks/${encodeURIComponent(s.lastTaskId)}">${s.lastTaskId}</a>`
          : "—"}</dd>
        <dt>last fired</dt>
        <dd>${time(s.lastFiredAt)}</dd>
        <dt>version</dt>
        <dd>${s.version}</dd>
        <dt>created</dt>
        <dd>${time(s.createdAt)}</dd>
        <dt>updated</dt>
        <dd>${time(s.updatedAt)}</dd>
      </dl>
    </div>
    <h2>Data of each slot's task</h2>
    <pre data-testid="schedule-data">${JSON.stringify(s.data, null, 2)}</pre>
  `;
}

/** A schedule's page; a 404 for an unknown name. */
export const schedulePage: Page<ScheduleView, "/schedules/:name"> = {
  path: "/schedules/:name",
  async load(c, taskq) {
    const name = c.req.param("name");
    const schedule = await taskq.getSchedule(name);
    if (!schedule) throw new TaskError("not-found", "schedule-not-found", `no schedule named ${JSON.stringify(name)}`);
    const { rows, now } = await scheduleRows(taskq, [schedule], SLOTS);
    return { row: rows[0], now, notice: c.req.query("notice") };
  },
  render({ row, now, notice: noticeKey }, at) {
    const s = row.schedule;
    const live = scheduleTable(at.base, [row], now, new URLSearchParams({ from: "schedule" }), "");
    const body = html`
      ${notice(noticeKey)}
      <h1>Schedule <code>${s.name}</code></h1>
      ${refreshing(at, live)}
      <p><a href="${at.base}/tasks?schedule=${encodeURIComponent(s.name)}">All its tasks</a> · <a href="${at
        .base}/schedules">All schedules</a></p>
      ${definition(at.base, s)}
    `;
    return { title: s.name, body, live };
  },
};
