/**
 * Reading what happened per topic (`activity-sql.ts`): minutes for the
 * dashboard's charts, totals and the oldest ready task's age for
 * `topicStats()` and /metrics, and folding minutes older than two days into
 * the totals.
 *
 * @module
 */

import * as v from "valibot";
import { fields, intRange, Name, parseOrThrow } from "../schemas.ts";
import { STATUSES } from "../schemas.ts";
import type { Activity, ActivityCounts, ActivityMinute, ActivityOptions, TaskStatus, TopicStats } from "../types.ts";
import * as q from "./activity-sql.ts";
import { ACTIVITY_KEEP_MS } from "./activity-sql.ts";
import type { StoreContext } from "./context.ts";
import type { Row } from "./driver.ts";
import { pausedTopics } from "./operator.ts";
import { TOPIC_STATS } from "./sql.ts";

const ActivityOptionsSchema = v.optional(
  fields({
    sinceMs: v.optional(intRange(1, ACTIVITY_KEEP_MS, `milliseconds, 1 to ${ACTIVITY_KEEP_MS}`)),
    topic: v.optional(Name),
  }, "activity options { sinceMs?, topic? }"),
);

const counts = (r: Row): ActivityCounts => ({
  completed: Number(r.completed ?? 0),
  failed: Number(r.failed ?? 0),
  retried: Number(r.retried ?? 0),
  snoozed: Number(r.snoozed ?? 0),
  cancelled: Number(r.cancelled ?? 0),
});

/** A topic's counts when nothing has happened on it yet. */
export const NO_ACTIVITY: ActivityCounts = { completed: 0, failed: 0, retried: 0, snoozed: 0, cancelled: 0 };

export async function readActivity(ctx: StoreContext, opts?: ActivityOptions): Promise<Activity> {
  const o = parseOrThrow(ActivityOptionsSchema, opts, "activity", "invalid-options");
  const since = o?.sinceMs ?? 3_600_000;
  const rs = await ctx.run(
    o?.topic === undefined
      ? { sql: q.ACTIVITY_SINCE, args: [since] }
      : { sql: q.TOPIC_ACTIVITY_SINCE, args: [since, o.topic] },
    "read",
    "activity",
  );
  const minutes: ActivityMinute[] = rs.rows.map((r) => ({
    topic: r.topic as string,
    minute: Number(r.minute) * 60_000,
    ...counts(r),
  }));
  // the clock comes with the rows; with none, read it alone
  const now = rs.rows.length
    ? Number(rs.rows[0].now)
    : Number((await ctx.run({ sql: q.READ_CLOCK, args: [] }, "read", "activity")).rows[0].now);
  return { now, minutes };
}

/** Every topic's totals (topics with no activity are absent). */
export async function activityTotals(ctx: StoreContext): Promise<Map<string, ActivityCounts>> {
  const rs = await ctx.run({ sql: q.ACTIVITY_TOTALS, args: [] }, "read", "topicStats");
  return new Map(rs.rows.map((r) => [r.topic as string, counts(r)]));
}

/** For each topic, how long its longest-waiting reservable task has been ready (null: none is); one round trip. */
export async function oldestReady(ctx: StoreContext, topics: string[]): Promise<Map<string, number | null>> {
  if (!topics.length) return new Map();
  const sets = await ctx.batch(topics.map((t) => ({ sql: q.OLDEST_READY, args: [t] })), "read", topics.length);
  return new Map(topics.map((t, i) => {
    const r = sets[i].rows[0];
    const ready = r?.ready_at;
    return [
      t,
      ready === null || ready === undefined || Number(ready) > Number(r.now) ? null : Number(r.now) - Number(ready),
    ];
  }));
}

/** Folds minutes older than ACTIVITY_KEEP_MS into the totals (one transaction); errors are left to the next pass. */
export async function foldActivity(ctx: StoreContext): Promise<void> {
  await ctx.batch([{ sql: q.FOLD_ACTIVITY, args: [] }, { sql: q.DROP_FOLDED, args: [] }], "write", 1).catch(() => {});
}

/** Every topic with tasks, activity or a pause: counts per status, pause, totals, and the oldest ready task's age. */
export async function topicStats(ctx: StoreContext): Promise<TopicStats[]> {
  const [rs, paused, totals] = await Promise.all([
    ctx.run({ sql: TOPIC_STATS, args: [] }, "read", "topicStats"),
    pausedTopics(ctx),
    activityTotals(ctx),
  ]);
  const byTopic = new Map<string, TopicStats>();
  const stats = (topic: string) => {
    let s = byTopic.get(topic);
    if (!s) {
      const counts = Object.fromEntries(STATUSES.map((st) => [st, 0])) as Record<TaskStatus, number>;
      const total = totals.get(topic) ?? NO_ACTIVITY;
      byTopic.set(
        topic,
        s = { topic, counts, paused: paused.has(topic), oldestReadyAgeMs: null, totals: { ...total } },
      );
    }
    return s;
  };
  for (const r of rs.rows) stats(r.topic as string).counts[r.status as TaskStatus] = Number(r.n);
  for (const topic of paused) stats(topic); // a paused topic shows even with no task
  for (const topic of totals.keys()) stats(topic); // and one whose tasks were all pruned
  const live = [...byTopic.values()].filter((s) => s.counts.starting + s.counts.running + s.counts.snoozed > 0);
  const ages = await oldestReady(ctx, live.map((s) => s.topic));
  for (const s of live) s.oldestReadyAgeMs = ages.get(s.topic) ?? null;
  return [...byTopic.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}
