/**
 * The topic limits' part of `/metrics`: per listed topic that has limits (or
 * tasks a `rateLimited()` back-off holds back), its concurrency cap, its
 * rate in reservations per second, its running tasks that hold a lease (what
 * the cap counts) and its ready tasks held back. A topic without limits
 * adds no series here, so these families grow with the limited topics only;
 * a family none of them has is left out.
 *
 * They read what the topics' part read already (`TopicStats` carries
 * `limits`, `running` and `heldBack`): no query of their own. So, like the
 * age of the oldest ready task, they cover the topics listed by name (the
 * first `metricsTopics`), never the overflow.
 *
 * @module
 */

import type { TopicStats } from "../types.ts";

type Family = (name: string, type: "gauge" | "counter", help: string, samples: string[]) => void;

/** Whether a topic is reported here: it has limits, or a back-off holds some of its ready tasks. */
const limited = (s: TopicStats) => s.limits !== null || s.heldBack > 0;

/** The limit families of `stats`, through `family` (as `renderMetrics` writes its own); `label` escapes a label value. */
export function renderLimitMetrics(stats: TopicStats[], family: Family, label: (v: string) => string): void {
  const topics = stats.filter(limited);
  const each = (name: string, type: "gauge", help: string, value: (s: TopicStats) => number | undefined) => {
    const samples = topics.flatMap((s) => {
      const v = value(s);
      return v === undefined ? [] : [`${name}{topic="${label(s.topic)}"} ${v}`];
    });
    if (samples.length) family(name, type, help, samples);
  };
  each(
    "sokka_topic_limit_concurrency",
    "gauge",
    "The topic's concurrency limit: most of its tasks running at once across every process (per partitionKey " +
      "when partitioned); topics with one only.",
    (s) => s.limits?.concurrency,
  );
  each(
    "sokka_topic_limit_rate",
    "gauge",
    "The topic's rate limit in reservations per second (limit * 1000 / periodMs; per partitionKey when " +
      "partitioned; burst more may go at once after a quiet spell); topics with one only.",
    (s) => (s.limits?.rate ? (s.limits.rate.limit * 1000) / s.limits.rate.periodMs : undefined),
  );
  each(
    "sokka_topic_running",
    "gauge",
    "The topic's running tasks whose lease holds (what its concurrency limit counts; summed over keys when " +
      "partitioned); limited topics only.",
    (s) => s.running,
  );
  each(
    "sokka_topic_held_back",
    "gauge",
    "The topic's ready tasks that its limits, or a rateLimited() back-off, keep from being reserved right now; " +
      "limited topics only (and those a back-off holds).",
    (s) => s.heldBack,
  );
}
