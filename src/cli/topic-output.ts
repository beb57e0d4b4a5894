/**
 * How the CLI prints topics for people (with `--json`, the values as the
 * HTTP API answers them): the table of `sokka stats`, with its limit
 * columns when any topic has limits, and one topic's limits as `sokka
 * limits` shows them.
 *
 * @module
 */

import type { TopicLimits, TopicStats } from "../types.ts";
import { durationText, table } from "./output.ts";

/** What `sokka limits` prints with `--json`: a topic's limits, its running tasks that count, its held-back ones. */
export interface TopicLimitsView {
  topic: string;
  limits: TopicLimits | null;
  running: number;
  heldBack: number;
}

/** Limits in a few words: `5 at once, 50 per 1s (burst 10), per key`. */
export function limitsSummary(l: TopicLimits): string {
  const parts: string[] = [];
  if (l.concurrency !== undefined) parts.push(`${l.concurrency} at once`);
  if (l.rate) {
    const burst = l.rate.burst ? ` (burst ${l.rate.burst})` : "";
    parts.push(`${l.rate.limit} per ${durationText(l.rate.periodMs)}${burst}`);
  }
  if (l.partitioned) parts.push("per key");
  return parts.join(", ");
}

/** Running against the cap: `3 of 5`, `7 (5 per key)` (`short`: `3/5`, `7 (5/key)`), or the count alone. */
function runningText(running: number, l: TopicLimits | null, short = false): string {
  if (l?.concurrency === undefined) return String(running);
  const [of, per] = short ? ["/", "/key"] : [" of ", " per key"];
  return l.partitioned ? `${running} (${l.concurrency}${per})` : `${running}${of}${l.concurrency}`;
}

/** One topic's limits, field by field. */
export function limitsDetail(v: TopicLimitsView): string {
  const l = v.limits;
  const rate = l?.rate;
  const rows: [string, string][] = [
    ["topic", v.topic],
    ["limits", l ? limitsSummary(l) : "none"],
    ["concurrency", l?.concurrency === undefined ? "" : String(l.concurrency)],
    ["rate", rate ? `${rate.limit} per ${durationText(rate.periodMs)}, burst ${rate.burst ?? 0}` : ""],
    ["partitioned", l ? (l.partitioned ? "yes: each partitionKey on its own" : "no") : ""],
    ["running", runningText(v.running, l)],
    ["heldBack", String(v.heldBack)],
  ];
  return table(["FIELD", "VALUE"], rows.filter(([, value]) => value !== ""));
}

/**
 * Topic statistics: a row per topic, a column per status; when any topic has
 * limits, its limits, running tasks against the cap and held-back tasks too.
 */
export function statsTable(stats: TopicStats[], statuses: readonly string[]): string {
  const limited = stats.some((s) => s.limits !== null);
  return table(
    [
      "TOPIC",
      "PAUSED",
      ...statuses.map((s) => s.toUpperCase()),
      ...(limited ? ["LIMITS", "RUNNING/CAP", "HELD BACK"] : []),
    ],
    stats.map((s) => [
      s.topic,
      s.paused ? "yes" : "",
      ...statuses.map((st) => String(s.counts[st as keyof typeof s.counts] ?? 0)),
      ...(limited
        ? s.limits
          ? [limitsSummary(s.limits), runningText(s.running, s.limits, true), String(s.heldBack)]
          : ["", "", ""]
        : []),
    ]),
  );
}
