/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4), from
 * the database, so every process's work counts: tasks per topic and status,
 * whether a topic is paused, the oldest ready task's age, and counters of
 * what happened per topic (kept by the database, see `TopicStats.totals`).
 * Costs two indexed reads plus one index seek per priority of each topic
 * with live tasks (test/taskq.plan.test.ts).
 *
 * @module
 */

import { STATUSES } from "../schemas.ts";
import type { ActivityCounts, TopicStats } from "../types.ts";

/** The media type Prometheus scrapes. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

const COUNTERS: [keyof ActivityCounts, string][] = [
  ["completed", "Tasks completed (terminated by their worker or an operator)."],
  ["failed", "Tasks that ended failed (attempts used up, or failed by an operator)."],
  ["retried", "Failed attempts with attempts left (an outcome, a timeout or an expired lease): the task waits again."],
  ["snoozed", "Tasks snoozed by their worker."],
  ["cancelled", "Tasks cancelled."],
];

/** The exposition of `stats` (from `TaskQ.topicStats()`). */
export function renderMetrics(stats: TopicStats[]): string {
  const out: string[] = [];
  const family = (name: string, type: "gauge" | "counter", help: string, samples: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  family(
    "sokka_tasks",
    "gauge",
    "Tasks per topic and status.",
    stats.flatMap((s) => STATUSES.map((st) => `sokka_tasks{topic="${label(s.topic)}",status="${st}"} ${s.counts[st]}`)),
  );
  family(
    "sokka_topic_paused",
    "gauge",
    "1 when the topic is paused (nothing of it is reserved), else 0.",
    stats.map((s) => `sokka_topic_paused{topic="${label(s.topic)}"} ${s.paused ? 1 : 0}`),
  );
  family(
    "sokka_oldest_ready_task_age_seconds",
    "gauge",
    "How long the topic's longest-waiting reservable task has been ready (0 when none is).",
    stats.map((s) =>
      `sokka_oldest_ready_task_age_seconds{topic="${label(s.topic)}"} ${(s.oldestReadyAgeMs ?? 0) / 1000}`
    ),
  );
  for (const [key, help] of COUNTERS) {
    family(
      `sokka_tasks_${key}_total`,
      "counter",
      help,
      stats.map((s) => `sokka_tasks_${key}_total{topic="${label(s.topic)}"} ${s.totals[key]}`),
    );
  }
  return `${out.join("\n")}\n`;
}
