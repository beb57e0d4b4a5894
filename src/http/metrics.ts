/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4), from
 * the database, so every process's work counts: tasks per topic and status,
 * whether a topic is paused, the oldest ready task's age, and counters of
 * what happened per topic (kept by the database, see `TopicStats.totals`),
 * and for topics with limits, each limit, running and held-back tasks
 * (`limit-metrics.ts`).
 *
 * The number of topics is not bounded, and every topic is a dozen series, so
 * a scrape lists at most a set number of topics by name (the first in name
 * order, read a page at a time with `topicPage`); the rest are summed into
 * one series per metric labelled `overflow="true"` in place of `topic` (the
 * way OpenTelemetry's cardinality limit folds what is over it), so sums over
 * topics stay whole.
 *
 * @module
 */

import { MAX_LIMIT, STATUSES } from "../schemas.ts";
import type { ActivityCounts, TaskQ, TopicStats, TopicTotals } from "../types.ts";
import { renderLimitMetrics } from "./limit-metrics.ts";
import {
  DEFAULT_METRICS_SCHEDULES,
  readScheduleMetrics,
  renderScheduleMetrics,
  type ScheduleMetricsData,
} from "./schedule-metrics.ts";

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

/** What one scrape reports: the topics listed by name, and the sums of the others (null: none was left out). */
export interface MetricsData {
  stats: TopicStats[];
  overflow: TopicTotals | null;
  /** The schedules (of the same topics); absent: none are reported. */
  schedules?: ScheduleMetricsData;
}

/**
 * Reads the first `maxTopics` topics (of those starting with `prefix`) a page
 * at a time, and when there are more, the sums of the rest: the topics after
 * the last one listed, in one read. Then the schedules of those topics, the
 * first `maxSchedules` by name listed.
 */
export async function readMetrics(
  taskq: TaskQ,
  maxTopics: number,
  prefix?: string,
  maxSchedules: number = DEFAULT_METRICS_SCHEDULES,
): Promise<MetricsData> {
  const stats: TopicStats[] = [];
  let cursor: string | null = null;
  do {
    const page = await taskq.topicPage({ limit: Math.min(MAX_LIMIT, maxTopics - stats.length), cursor, prefix });
    stats.push(...page.data);
    cursor = page.cursor;
  } while (cursor && stats.length < maxTopics);
  const overflow = cursor ? await taskq.topicTotals({ prefix, after: stats[stats.length - 1].topic }) : null;
  return { stats, overflow, schedules: await readScheduleMetrics(taskq, maxSchedules, prefix) };
}

const OVERFLOW = 'overflow="true"';

/** The exposition of a scrape's topics (and the sums of those it leaves out), their limits, then its schedules. */
export function renderMetrics({ stats, overflow, schedules }: MetricsData): string {
  const out: string[] = [];
  const family = (name: string, type: "gauge" | "counter", help: string, samples: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  const rest = (f: (o: TopicTotals) => string[]) => (overflow ? f(overflow) : []);
  family(
    "sokka_tasks",
    "gauge",
    'Tasks per topic and status (overflow="true": summed over the topics not listed).',
    [
      ...stats.flatMap((s) =>
        STATUSES.map((st) => `sokka_tasks{topic="${label(s.topic)}",status="${st}"} ${s.counts[st]}`)
      ),
      ...rest((o) => STATUSES.map((st) => `sokka_tasks{${OVERFLOW},status="${st}"} ${o.counts[st]}`)),
    ],
  );
  family(
    "sokka_topic_paused",
    "gauge",
    '1 when the topic is paused (nothing of it is reserved), else 0 (overflow="true": how many topics not listed are paused).',
    [
      ...stats.map((s) => `sokka_topic_paused{topic="${label(s.topic)}"} ${s.paused ? 1 : 0}`),
      ...rest((o) => [`sokka_topic_paused{${OVERFLOW}} ${o.paused}`]),
    ],
  );
  family(
    "sokka_oldest_ready_task_age_seconds",
    "gauge",
    "How long the topic's longest-waiting reservable task has been ready (0 when none is); listed topics only.",
    stats.map((s) =>
      `sokka_oldest_ready_task_age_seconds{topic="${label(s.topic)}"} ${(s.oldestReadyAgeMs ?? 0) / 1000}`
    ),
  );
  for (const [key, help] of COUNTERS) {
    family(`sokka_tasks_${key}_total`, "counter", `${help} Per topic (overflow="true": the topics not listed).`, [
      ...stats.map((s) => `sokka_tasks_${key}_total{topic="${label(s.topic)}"} ${s.totals[key]}`),
      ...rest((o) => [`sokka_tasks_${key}_total{${OVERFLOW}} ${o.totals[key]}`]),
    ]);
  }
  renderLimitMetrics(stats, family, label);
  if (schedules) renderScheduleMetrics(schedules, family, label);
  return `${out.join("\n")}\n`;
}
