/**
 * Reading what happened per topic (`statements/activity.ts`): minutes for the
 * dashboard's charts, totals and the oldest ready task's age for
 * `topicStats()` and /metrics, and folding minutes older than two days into
 * the totals.
 *
 * @module
 */

import * as v from "valibot";
import { fields, intRange, invalid, Name, parseOrThrow } from "../schemas.ts";
import { STATUSES } from "../schemas.ts";
import type { Activity, ActivityCounts, ActivityMinute, ActivityOptions, TaskStatus, TopicStats } from "../types.ts";
import * as q from "./statements/activity.ts";
import { ACTIVITY_KEEP_MS } from "./statements/activity.ts";
import { fillLimitStats } from "./limit-stats.ts";
import type { StoreContext } from "./context.ts";
import type { Row } from "../drivers/driver.ts";
import { pausedTopics } from "./operator.ts";
import { TOPIC_STATS } from "./statements/reads.ts";

/** Most topics one `activity` call may name (`topics`). */
const MAX_TOPICS = 1000;

const ActivityOptionsSchema = v.optional(
  fields({
    sinceMs: v.optional(intRange(1, ACTIVITY_KEEP_MS, `milliseconds, 1 to ${ACTIVITY_KEEP_MS}`)),
    topic: v.optional(Name),
    topics: v.optional(
      v.pipe(
        v.array(Name, "must be an array of topics"),
        v.minLength(1, "must not be empty"),
        v.maxLength(MAX_TOPICS, `must name at most ${MAX_TOPICS} topics`),
      ),
    ),
  }, "activity options { sinceMs?, topic?, topics? }"),
);

/** The activity counters of a row (0 where a sum found no row). */
export const counts = (r: Row): ActivityCounts => ({
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
  if (o?.topic !== undefined && o.topics !== undefined) {
    throw invalid("activity", [{ path: "topics", message: "cannot be given with topic" }], "invalid-options");
  }
  const since = o?.sinceMs ?? 3_600_000;
  const rs = await ctx.run(
    o?.topic !== undefined
      ? { sql: q.TOPIC_ACTIVITY_SINCE, args: [since, o.topic] }
      : o?.topics !== undefined
      ? { sql: q.TOPICS_ACTIVITY_SINCE, args: [since, JSON.stringify(o.topics)] }
      : { sql: q.ACTIVITY_SINCE, args: [since] },
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
  const sets = await ctx.batch(
    topics.map((t) => ({ sql: q.OLDEST_READY, args: [t] })),
    "read",
    topics.length,
    "topicStats",
  );
  return new Map(topics.map((t, i) => [t, readyAge(sets[i].rows[0])]));
}

/** How long the task of an `OLDEST_READY` row has been ready; null when none is (yet). */
export function readyAge(r: Row | undefined): number | null {
  const ready = r?.ready_at;
  return ready === null || ready === undefined || Number(ready) > Number(r!.now)
    ? null
    : Number(r!.now) - Number(ready);
}

/** A topic's stats with no task, no pause and no activity yet. */
export function emptyStats(topic: string): TopicStats {
  const counts = Object.fromEntries(STATUSES.map((st) => [st, 0])) as Record<TaskStatus, number>;
  return {
    topic,
    counts,
    paused: false,
    oldestReadyAgeMs: null,
    totals: { ...NO_ACTIVITY },
    limits: null,
    running: 0,
    heldBack: 0,
  };
}

/** Folds minutes older than ACTIVITY_KEEP_MS into the totals (one transaction); errors are left to the next pass. */
export async function foldActivity(ctx: StoreContext): Promise<void> {
  await ctx.batch([{ sql: q.FOLD_ACTIVITY, args: [] }, { sql: q.DROP_FOLDED, args: [] }], "write", 1, "activity").catch(
    () => {},
  );
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
      byTopic.set(topic, s = emptyStats(topic));
      s.paused = paused.has(topic);
      s.totals = { ...(totals.get(topic) ?? NO_ACTIVITY) };
    }
    return s;
  };
  for (const r of rs.rows) stats(r.topic as string).counts[r.status as TaskStatus] = Number(r.n);
  for (const topic of paused) stats(topic); // a paused topic shows even with no task
  for (const topic of totals.keys()) stats(topic); // and one whose tasks were all pruned
  for (const s of byTopic.values()) s.running = s.counts.running;
  await fillLimitStats(ctx, byTopic, stats); // and one with limits (running: only leases that hold)
  const live = [...byTopic.values()].filter((s) => s.counts.starting + s.counts.running + s.counts.snoozed > 0);
  const ages = await oldestReady(ctx, live.map((s) => s.topic));
  for (const s of live) s.oldestReadyAgeMs = ages.get(s.topic) ?? null;
  return [...byTopic.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}
