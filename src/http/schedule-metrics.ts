/**
 * The schedules' part of `/metrics`: per schedule (labelled `schedule` and
 * `topic`), its next and last slot, the lag of its last firing, how overdue
 * its next slot is on the database clock (what "nothing is firing this
 * schedule" is alerted on), whether it is paused, and its skipped slots.
 *
 * Schedules are listed by name up to a cap ({@link DEFAULT_METRICS_SCHEDULES});
 * the rest are folded into one series per metric labelled `overflow="true"`,
 * as the topics are: their count of paused ones, the sum of their skipped
 * slots, and the largest lag and overdue among them (so an alert on any
 * schedule still fires); their slot times are left out.
 *
 * @module
 */

import type { Schedule, TaskQ } from "../types.ts";
import { databaseNow } from "./database-clock.ts";

/** Schedules `/metrics` lists by name (about 3,000 series); the others are folded into the overflow series. */
export const DEFAULT_METRICS_SCHEDULES = 500;

/** What a scrape reports of the schedules. */
export interface ScheduleMetricsData {
  /** The schedules listed by name, in name order. */
  listed: Schedule[];
  /** The others, folded (null: none was left out). */
  overflow: ScheduleOverflow | null;
  /** How many schedules there are (of the scrape's topics). */
  total: number;
  /** The database clock (epoch ms) when they were read. */
  now: number;
}

/** The schedules past the cap, folded. */
export interface ScheduleOverflow {
  paused: number;
  skippedSlots: number;
  /** The largest lag of a last firing (ms), or null when none has fired. */
  maxLagMs: number | null;
  maxOverdueMs: number;
}

/** How long ago `s`'s next slot was due, on the database clock `now` (0 when it is not yet, or it is paused). */
export function overdueMs(s: Schedule, now: number): number {
  return s.paused || s.nextSlotAt === null ? 0 : Math.max(0, now - s.nextSlotAt);
}

const lagMs = (s: Schedule) => (s.lastFiredAt === null || s.lastSlotAt === null ? null : s.lastFiredAt - s.lastSlotAt);

/**
 * Reads the schedules (those whose topic starts with `prefix`), the first
 * `max` by name listed, and the database clock.
 */
export async function readScheduleMetrics(taskq: TaskQ, max: number, prefix?: string): Promise<ScheduleMetricsData> {
  const all = (await taskq.listSchedules()).filter((s) => prefix === undefined || s.topic.startsWith(prefix));
  const now = all.length ? await databaseNow(taskq, all[0].topic) : 0;
  const listed = all.slice(0, max);
  const rest = all.slice(max);
  const lags = rest.map(lagMs).filter((x): x is number => x !== null);
  const overflow = rest.length
    ? {
      paused: rest.filter((s) => s.paused).length,
      skippedSlots: rest.reduce((n, s) => n + s.skippedSlots, 0),
      // reduce, not Math.max(...xs): a spread of 100,000s of values passes the engine's argument limit
      maxLagMs: lags.length ? lags.reduce((a, b) => Math.max(a, b)) : null,
      maxOverdueMs: rest.reduce((m, s) => Math.max(m, overdueMs(s, now)), 0),
    }
    : null;
  return { listed, overflow, total: all.length, now };
}

type Family = (name: string, type: "gauge" | "counter", help: string, samples: string[]) => void;

const OVERFLOW = 'overflow="true"';

/** The schedules' metric families, through `family` (as `renderMetrics` writes its own); `label` escapes a label value. */
export function renderScheduleMetrics(
  { listed, overflow, total, now }: ScheduleMetricsData,
  family: Family,
  label: (v: string) => string,
): void {
  const labels = (s: Schedule) => `schedule="${label(s.name)}",topic="${label(s.topic)}"`;
  const seconds = (ms: number) => ms / 1000;
  const each = (name: string, value: (s: Schedule) => number | null, folded?: number | null) => [
    ...listed.flatMap((s) => {
      const v = value(s);
      return v === null ? [] : [`${name}{${labels(s)}} ${v}`];
    }),
    ...(overflow && folded !== undefined && folded !== null ? [`${name}{${OVERFLOW}} ${folded}`] : []),
  ];
  family("sokka_schedules", "gauge", "How many schedules there are (listed or not).", [`sokka_schedules ${total}`]);
  family(
    "sokka_schedule_paused",
    "gauge",
    '1 when the schedule is paused (none of its slots fires), else 0 (overflow="true": how many schedules not listed are paused).',
    each("sokka_schedule_paused", (s) => (s.paused ? 1 : 0), overflow?.paused),
  );
  family(
    "sokka_schedule_next_slot_timestamp_seconds",
    "gauge",
    "When the schedule's next slot is (Unix time; absent when its cron names no later time); listed schedules only.",
    each("sokka_schedule_next_slot_timestamp_seconds", (s) => (s.nextSlotAt === null ? null : seconds(s.nextSlotAt))),
  );
  family(
    "sokka_schedule_last_slot_timestamp_seconds",
    "gauge",
    "The schedule's latest slot handled, fired or skipped (Unix time; absent before the first); listed schedules only.",
    each("sokka_schedule_last_slot_timestamp_seconds", (s) => (s.lastSlotAt === null ? null : seconds(s.lastSlotAt))),
  );
  family(
    "sokka_schedule_last_fire_lag_seconds",
    "gauge",
    'How long after its slot the latest slot was handled (absent before the first; overflow="true": the largest).',
    each("sokka_schedule_last_fire_lag_seconds", (s) => {
      const lag = lagMs(s);
      return lag === null ? null : seconds(lag);
    }, overflow && overflow.maxLagMs !== null ? seconds(overflow.maxLagMs) : null),
  );
  family(
    "sokka_schedule_overdue_seconds",
    "gauge",
    "How long ago the schedule's next slot was due and nothing has fired it, on the database clock (0 when not due " +
      'or paused): alert on it staying high, e.g. > 120 (overflow="true": the largest).',
    each(
      "sokka_schedule_overdue_seconds",
      (s) => seconds(overdueMs(s, now)),
      overflow ? seconds(overflow.maxOverdueMs) : null,
    ),
  );
  family(
    "sokka_schedule_skipped_slots_total",
    "counter",
    'The schedule\'s skipped slots (its skippedSlots: slots it handled without making a task, as overlap "skip" ' +
      'does; overflow="true": summed over the schedules not listed).',
    each("sokka_schedule_skipped_slots_total", (s) => s.skippedSlots, overflow?.skippedSlots),
  );
}
