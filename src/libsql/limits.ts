/**
 * Topic limits on the libSQL store: `setTopicLimits` and `topicLimits`
 * (validated, stored in `sokka_topic_limits`), and which reservation
 * statement a topic takes (a partitioned topic has its own). The limits
 * themselves are enforced by the reservation statements
 * (`statements/limits.ts`).
 *
 * @module
 */

import * as v from "valibot";
import { TaskError } from "../errors.ts";
import { checkArg, fields, intRange, Name, parseOrThrow } from "../schemas.ts";
import type { TopicLimits } from "../types.ts";
import { markLimited } from "../wakeups.ts";
import type { StoreContext } from "./context.ts";
import { oneRow, type Row } from "../drivers/driver.ts";
import {
  CLEAR_LIMITS,
  IS_PARTITIONED,
  KEYED_INDEX,
  RATE_TRIGGER,
  READ_LIMITS,
  SET_LIMITS,
} from "./statements/limits.ts";

/** The largest concurrency, rate limit and burst: far above any real need, small enough for exact arithmetic. */
export const MAX_LIMIT_VALUE = 100_000;
const Count = intRange(1, MAX_LIMIT_VALUE);

/** The schema of `TopicLimits`: an unknown key is refused, naming it. */
export const TopicLimitsSchema = fields({
  concurrency: v.optional(Count),
  rate: v.optional(fields({
    limit: Count,
    periodMs: intRange(1, 86_400_000, "a period in milliseconds (1 ms to 1 day)"),
    burst: v.optional(intRange(0, MAX_LIMIT_VALUE)),
  }, "a rate { limit, periodMs, burst? }")),
  partitioned: v.optional(v.boolean("must be true or false")),
}, "topic limits { concurrency?, rate?, partitioned? }");

/** A limits row as `TopicLimits` (only what is set). */
export function limitsOf(r: Row): TopicLimits {
  const out: TopicLimits = {};
  if (r.concurrency !== null) out.concurrency = Number(r.concurrency);
  if (r.rate_limit !== null) {
    out.rate = { limit: Number(r.rate_limit), periodMs: Number(r.rate_period_ms), burst: Number(r.rate_burst) };
  }
  if (Number(r.partitioned) === 1) out.partitioned = true;
  return out;
}

/** `setTopicLimits`: the topic's limits replaced (or removed with `null`), in one transaction. */
export async function setTopicLimits(
  ctx: StoreContext,
  topic: string,
  limits: TopicLimits | null,
): Promise<TopicLimits | null> {
  const what = "setTopicLimits";
  checkArg(Name, topic, what, "topic");
  if (limits === null) {
    await ctx.batch(CLEAR_LIMITS.map((sql) => ({ sql, args: [topic] })), "write", 1, what);
    ctx.partitioned.delete(topic);
    // a removed cap may let waiters go at once
    ctx.announce([{ topic, runAt: 0, updatedAt: 0 }]);
    return null;
  }
  const o = parseOrThrow(TopicLimitsSchema, limits, what, "invalid-options");
  if (o.concurrency === undefined && o.rate === undefined) {
    throw new TaskError(
      "bad-request",
      "invalid-options",
      `${what}: limits must set concurrency or rate (to remove a topic's limits, pass null)`,
      { issues: [{ path: "concurrency", message: "give concurrency or rate, or pass null" }] },
    );
  }
  const partitioned = o.partitioned ? 1 : 0;
  const args = [
    topic,
    o.concurrency ?? null,
    o.rate?.limit ?? null,
    o.rate?.periodMs ?? null,
    o.rate?.burst ?? 0,
    partitioned,
  ];
  // the rate trigger exists from the first rate on, the keyed index from the first partitioned topic on
  // (statements/limits.ts), each created in the same transaction
  const stmts = [
    ...(o.rate ? [{ sql: RATE_TRIGGER, args: [] }] : []),
    ...(partitioned ? [{ sql: KEYED_INDEX, args: [] }] : []),
    ...SET_LIMITS.map((sql) => ({ sql, args })),
  ];
  await ctx.batch(stmts, "write", 1, what);
  if (partitioned) ctx.partitioned.add(topic);
  else ctx.partitioned.delete(topic);
  markLimited(ctx.key, topic);
  ctx.announce([{ topic, runAt: 0, updatedAt: 0 }]);
  return (await topicLimits(ctx, topic))!;
}

/** `topicLimits`: the topic's limits, or null. */
export async function topicLimits(ctx: StoreContext, topic: string): Promise<TopicLimits | null> {
  checkArg(Name, topic, "topicLimits", "topic");
  const rs = await ctx.run(oneRow(READ_LIMITS, [topic]), "read", "topicLimits");
  return rs.rows.length ? limitsOf(rs.rows[0]) : null;
}

/**
 * After a reservation of `topic` came back empty: whether the store took the
 * wrong statement for it (its limits became partitioned, or stopped being,
 * in another process). Updates what the store believes; true: reserve again.
 */
export async function partitionedChanged(ctx: StoreContext, topic: string, what: string): Promise<boolean> {
  const rs = await ctx.run(oneRow(IS_PARTITIONED, [topic]), "read", what);
  const now = rs.rows.length > 0 && Number(rs.rows[0].partitioned) === 1;
  if (now === ctx.partitioned.has(topic)) return false;
  if (now) ctx.partitioned.add(topic);
  else ctx.partitioned.delete(topic);
  return true;
}
