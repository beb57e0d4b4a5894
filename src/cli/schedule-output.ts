/**
 * How the CLI prints schedules for people (with `--json`, the values as the
 * HTTP API answers them): a table of schedules, one schedule field by field,
 * and what a firing did.
 *
 * @module
 */

import type { FireResult, Schedule } from "../types.ts";
import { table } from "./output.ts";

const time = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());

/** Schedules as a table, one per row. */
export function schedulesTable(schedules: Schedule[]): string {
  return table(
    ["NAME", "TOPIC", "CRON", "TIMEZONE", "PAUSED", "NEXT SLOT", "LAST SLOT", "LAST TASK"],
    schedules.map((s) => [
      s.name,
      s.topic,
      s.cron,
      s.timezone,
      s.paused ? "yes" : "",
      time(s.nextSlotAt),
      time(s.lastSlotAt),
      s.lastTaskId ?? "",
    ]),
  );
}

/** One schedule, field by field (the empty ones left out). */
export function scheduleDetail(s: Schedule): string {
  const rows: [string, string][] = [
    ["name", s.name],
    ["cron", s.cron],
    ["timezone", s.timezone],
    ["topic", s.topic],
    ["subTopic", s.subTopic],
    ["description", s.taskDescription ?? ""],
    ["paused", s.paused ? "yes" : "no"],
    ["overlap", s.overlap],
    ["backfillMs", String(s.backfillMs)],
    ["priority", String(s.priority)],
    ["maxAttempts", s.maxAttempts === null ? "" : String(s.maxAttempts)],
    ["backoff", s.backoff === null ? "" : JSON.stringify(s.backoff)],
    ["timeoutMs", s.timeoutMs === null ? "" : String(s.timeoutMs)],
    ["nextSlotAt", time(s.nextSlotAt)],
    ["lastSlotAt", time(s.lastSlotAt)],
    ["lastFiredAt", time(s.lastFiredAt)],
    ["lastTaskId", s.lastTaskId ?? ""],
    ["skippedSlots", String(s.skippedSlots)],
    ["version", String(s.version)],
    ["createdAt", time(s.createdAt)],
    ["updatedAt", time(s.updatedAt)],
    ["data", JSON.stringify(s.data)],
  ];
  return table(["FIELD", "VALUE"], rows.filter(([, v]) => v !== ""));
}

/** What a firing did, in one line. */
export function fireLine(r: FireResult): string {
  return `fired ${r.fired} task(s)${r.nextSlotAt === null ? "" : `; next slot ${time(r.nextSlotAt)}`}`;
}
