/**
 * The table of schedules, on the schedules page (a page of them) and on a
 * schedule's own page (its one row): per schedule, its name with a pause /
 * resume button, its cron and time zone, its topic, its next slot (and how
 * long ago it was due, when nothing has fired it yet), its last slot, the
 * lag of its last firing, its skipped slots, then a line of its latest
 * slots, each with its task's status and a link to it. On a narrow screen
 * each row is a block of labelled fields instead of a wide table.
 *
 * @module
 */

import { html } from "hono/html";
import type { Schedule } from "../../types.ts";
import { badge, clipped, count, duration, time } from "./format.ts";
import type { Html } from "./html.ts";
import type { ScheduleRow, SlotTask } from "./recent-slots.ts";

/** The link to a schedule's own page. */
export const scheduleHref = (base: string, name: string): string => `${base}/schedules/${encodeURIComponent(name)}`;

const COLUMNS = 7;

const head = html`
  <tr class="head">
    <th>schedule</th>
    <th>cron</th>
    <th>topic</th>
    <th>next slot</th>
    <th>last slot</th>
    <th
      class="num">last lag</th>
    <th class="num">skipped</th>
  </tr>
`;

/**
 * The pause / resume control, in the name's cell: the button submits the
 * table's one form (which carries where to come back to), the name as its
 * value, not in the path (where a name such as `..` would be resolved away).
 */
function control(base: string, s: Schedule): Html {
  const action = `${base}/schedules/${s.paused ? "resume" : "pause"}`;
  return s.paused
    ? html`
      <span class="badge held">paused</span> <button class="secondary" formaction="${action}" name="name"
        value="${s.name}">Resume</button>
    `
    : html`<button class="secondary" formaction="${action}" name="name" value="${s.name}">Pause</button>`;
}

/** The next slot: when it is, and how long ago it was due when nothing has fired it yet (database clock). */
function next(s: Schedule, now: number): Html | string {
  if (s.paused) return html`<span class="muted">paused</span>`;
  if (s.nextSlotAt === null) return html`<span class="muted">none: the cron names no later time</span>`;
  const late = now - s.nextSlotAt;
  return html`${time(s.nextSlotAt)}${
    late > 0 ? html`<br><span class="muted" data-overdue-ms="${late}">due ${duration(late)} ago</span>` : ""
  }`;
}

/** A slot: its time and its task's status, a link to the task; "no task" when it made none (or it was pruned). */
function slot(base: string, st: SlotTask): Html {
  return st.task
    ? html`
      <a class="slot" href="${base}/tasks/${encodeURIComponent(st.taskId)}" title="${st.taskId}"
        data-slot="${st.slotAt}">${time(st.slotAt)} ${badge(st.task.status)}</a>
    `
    : html`
      <span class="slot" data-slot="${st.slotAt}"
        title="no task: skipped (overlap, a pause, outside the backfill window) or pruned">${time(
          st.slotAt,
        )} <span class="muted">no task</span></span>
    `;
}

/** A schedule's rows: its fields, then its latest slots. */
function rows(base: string, { schedule: s, slots }: ScheduleRow, now: number): Html {
  const lag = s.lastFiredAt !== null && s.lastSlotAt !== null ? s.lastFiredAt - s.lastSlotAt : null;
  const cell = (cls: string, label: string, body: Html | string) =>
    html`<td class="${cls}" data-label="${label}">${body}</td>`;
  return html`
    <tbody data-schedule="${s.name}" data-paused="${String(s.paused)}">
      <tr
        class="main"><td class="name"><div class="cell">${clipped(s.name, scheduleHref(base, s.name))} ${control(
          base,
          s,
        )}</div></td>${cell(
          "cron",
          "cron",
          html`<code>${s.cron}</code><br><span class="muted">${s.timezone}</span>`,
        )}${cell("topic", "topic", clipped(s.topic, `${base}/topics/${encodeURIComponent(s.topic)}`))}${cell(
          "time next",
          "next slot",
          next(s, now),
        )}${cell(
          "time last",
          "last slot",
          time(s.lastSlotAt),
        )}${html`<td class="num lag" data-label="last lag" data-lag-ms="${lag ?? ""}">${duration(lag)}</td>`}${cell(
          "num skipped",
          "skipped",
          count(s.skippedSlots),
        )}</tr>
      <tr class="slots">
        <td class="slots" colspan="${COLUMNS}">
          <div class="slots"><span class="muted">${slots.length
            ? `last ${slots.length === 1 ? "slot" : `${slots.length} slots`}:`
            : "no slot yet"}</span>${slots.map((st) => slot(base, st))}</div>
        </td>
      </tr>
    </tbody>
  `;
}

/**
 * The schedules as a table in a form whose posts carry `hidden` (where the
 * buttons come back to); `empty` is said when there are none. `now` is the
 * database clock.
 */
export function scheduleTable(
  base: string,
  list: ScheduleRow[],
  now: number,
  hidden: URLSearchParams,
  empty: Html | string,
): Html {
  return html`
    <form
      method="post">${[...hidden].map(([k, v]) =>
        html`<input type="hidden" name="${k}" value="${v}">`
      )}<div class="card scroll"><table class="schedules"><thead>${head}</thead>${list.length
        ? list.map((r) => rows(base, r, now))
        : html`
          <tbody>
            <tr>
              <td colspan="${COLUMNS}" class="muted">${empty}</td>
            </tr>
          </tbody>
        `}</table></div></form>
  `;
}
