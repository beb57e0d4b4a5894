/**
 * What the CLI prints: aligned tables for people, one JSON document for
 * scripts (`--json`), and one-line errors.
 *
 * @module
 */

import type { Task } from "../types.ts";

/** Left-aligned columns separated by two spaces; a cell's newlines become spaces. */
export function table(head: string[], rows: string[][]): string {
  const cells = [head, ...rows].map((r) => r.map((c) => c.replace(/\s+/g, " ")));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells.map((r) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}

const time = (ms: number | null | undefined) => (ms == null ? "" : new Date(ms).toISOString());

/** Tasks as a table, one per row. */
export function tasksTable(tasks: Task[]): string {
  return table(
    ["TASK ID", "TOPIC", "STATUS", "ATTEMPTS", "UPDATED", "DESCRIPTION"],
    tasks.map((t) => [
      t.taskId,
      t.topic,
      t.status,
      String(t.attempts),
      time(t.updatedAt),
      t.taskDescription ?? "",
    ]),
  );
}

/** What a create whose unique key was held did, in one line. */
export function dedupLine(t: Task): string {
  const debounced = t.unique !== null && typeof t.unique === "object" && "debounceMs" in t.unique;
  return `deduplicated: task ${t.taskId} holds uniqueKey ${t.uniqueKey} of topic ${t.topic}; ${
    debounced ? `it took the new data and runs at ${time(t.runAt)}` : "nothing was created"
  }`;
}

/** A JSON value in a table cell: at most `max` characters. */
const cell = (value: unknown, max = 60) => {
  const text = value === null || value === undefined ? "" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** A task's dependencies or dependants as a table, one per row, with their results. */
export function edgesTable(tasks: Task[]): string {
  return table(
    ["TASK ID", "TOPIC", "STATUS", "UPDATED", "RESULT"],
    tasks.map((t) => [t.taskId, t.topic, t.status, time(t.updatedAt), cell(t.result)]),
  );
}

/** One task, field by field. */
export function taskDetail(t: Task): string {
  const rows: [string, string][] = [
    ["taskId", t.taskId],
    ["topic", t.topic],
    ["subTopic", t.subTopic],
    ["status", t.status],
    ["taskGroupId", t.taskGroupId],
    ["description", t.taskDescription ?? ""],
    ["priority", String(t.priority)],
    ["attempts", String(t.attempts)],
    ["failures", String(t.failures)],
    ["maxAttempts", t.maxAttempts == null ? "" : String(t.maxAttempts)],
    ["runAt", time(t.runAt)],
    ["pid", t.pid ?? ""],
    ["leaseId", t.leaseId ?? ""],
    ["error", t.error ?? ""],
    ["uniqueKey", t.uniqueKey ?? ""],
    ["partitionKey", t.partitionKey ?? ""],
    ["unique", t.unique === null ? "" : typeof t.unique === "string" ? t.unique : JSON.stringify(t.unique)],
    ["dependsOn", t.dependsOn.map((d) => `${d.taskId} (${d.status ?? "pruned"})`).join(", ")],
    ["onDependencyFailure", t.onDependencyFailure ?? ""],
    ["followUpOf", t.followUpOf ?? ""],
    ["createdAt", time(t.createdAt)],
    ["updatedAt", time(t.updatedAt)],
    ["data", JSON.stringify(t.data)],
    ["result", t.result === undefined || t.result === null ? "" : JSON.stringify(t.result)],
  ];
  return table(["FIELD", "VALUE"], rows.filter(([, v]) => v !== ""));
}

/** Parses a duration: `500ms`, `45s`, `30m`, `12h`, `7d`, or a plain number of milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "ms"]!;
  return Math.round(Number(m[1]) * unit);
}

/** A duration in ms as `parseDuration` reads it back, in the largest unit that divides it: 1s, 90s, 1500ms, 1d. */
export function durationText(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
