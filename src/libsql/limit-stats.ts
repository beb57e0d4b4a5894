/**
 * The limits part of `TopicStats` (`limits`, `running`, `heldBack`), read
 * for the topics that have limits or a back-off under way; every other
 * topic keeps `limits: null`, its running count and `heldBack: 0`.
 *
 * @module
 */

import type { Row } from "../drivers/driver.ts";
import type { TopicStats } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { limitsOf } from "./limits.ts";
import { LIMIT_STATS, LIMITED_TOPICS } from "./statements/limit-stats.ts";

/** The statement reading one topic's limit stats (no row: none to show). */
export const limitStatsOf = (topic: string) => ({ sql: LIMIT_STATS, args: [topic] });

/** Fills `s` from a `LIMIT_STATS` row (none: left as it is). */
export function applyLimitStats(s: TopicStats, row: Row | undefined): void {
  if (!row) return;
  s.limits = row.concurrency === null && row.rate_limit === null ? null : limitsOf(row);
  s.running = Number(row.running);
  s.heldBack = Math.max(0, Number(row.held_back));
}

/** Reads and fills the limit stats of every limited (or held back) topic among `byTopic`, adding those missing. */
export async function fillLimitStats(
  ctx: StoreContext,
  byTopic: Map<string, TopicStats>,
  make: (topic: string) => TopicStats,
): Promise<void> {
  const rs = await ctx.run({ sql: LIMITED_TOPICS, args: [] }, "read", "topicStats");
  const topics = rs.rows.map((r) => r.topic as string);
  if (!topics.length) return;
  const sets = await ctx.batch(topics.map(limitStatsOf), "read", topics.length, "topicStats");
  topics.forEach((t, i) => applyLimitStats(byTopic.get(t) ?? make(t), sets[i].rows[0]));
}
