/**
 * The functional API of topic limits: thin wrappers over a `TaskQ`, as
 * `src/api.ts` has for the rest.
 *
 * @module
 */

import { checkTaskQ } from "./api.ts";
import type { TaskQ, TopicLimits } from "./types.ts";

/**
 * Sets a topic's limits across every process and worker on the database,
 * replacing any it had (`null` removes them): `concurrency` caps its running
 * tasks, `rate` caps reservations per period (the excess waits, never
 * dropped), `partitioned` makes both hold per `partitionKey` of its tasks.
 * Enforced inside the reservation statement, so no interleaving of
 * processes exceeds them. A worker that dies holds its slots until its
 * leases expire.
 *
 * @example
 * ```ts
 * await setTopicLimits(taskq, "openai", { concurrency: 5, rate: { limit: 50, periodMs: 1000 } });
 * await setTopicLimits(taskq, "per-customer", { concurrency: 2, partitioned: true });
 * await createTask(taskq, { topic: "per-customer", partitionKey: "customer-42", data: {} });
 * await setTopicLimits(taskq, "openai", null); // no limits
 * ```
 */
export function setTopicLimits(taskq: TaskQ, topic: string, limits: TopicLimits | null): Promise<TopicLimits | null> {
  return checkTaskQ(taskq, "setTopicLimits").setTopicLimits(topic, limits);
}

/**
 * A topic's limits (as `setTopicLimits` stored them), or `null`.
 *
 * @example
 * ```ts
 * const limits = await topicLimits(taskq, "openai"); // { concurrency: 5, rate: { limit: 50, periodMs: 1000, burst: 0 } }
 * ```
 */
export function topicLimits(taskq: TaskQ, topic: string): Promise<TopicLimits | null> {
  return checkTaskQ(taskq, "topicLimits").topicLimits(topic);
}
