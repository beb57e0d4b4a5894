/**
 * Topics a page at a time (`topicPage`) and summed (`topicTotals`): what the
 * dashboard's overview, `GET /topics` and `GET /metrics` read, so that none
 * of them grows with the number of topics (see `statements/topics.ts`).
 *
 * @module
 */

import * as v from "valibot";
import { decodeTopicCursor, encodeTopicCursor } from "../cursor.ts";
import { fields, intRange, invalid, MAX_LIMIT, Name, parseOrThrow, STATUSES } from "../schemas.ts";
import type { TaskStatus, TopicPage, TopicPageOptions, TopicStats, TopicTotals, TopicTotalsOptions } from "../types.ts";
import { counts, emptyStats, readyAge } from "./activity.ts";
import { OLDEST_READY } from "./statements/activity.ts";
import type { StoreContext } from "./context.ts";
import { applyLimitStats, limitStatsOf } from "./limit-stats.ts";
import * as q from "./statements/topics.ts";

const TopicPageSchema = fields({
  limit: v.optional(intRange(1, MAX_LIMIT)),
  cursor: v.optional(v.nullable(v.pipe(v.string("must be a string"), v.description("a cursor from a page")))),
  prefix: v.optional(Name),
  last: v.optional(v.boolean("must be true or false")),
}, "topic page options { limit?, cursor?, prefix?, last? }");

const TopicTotalsSchema = fields(
  { prefix: v.optional(Name), after: v.optional(Name) },
  "topic totals options { prefix?, after? }",
);

/** Topics per page when none is asked. */
export const DEFAULT_TOPIC_LIMIT = 100;

/**
 * Compares two strings as SQLite compares text: by the bytes of their UTF-8,
 * which is code point order (JavaScript's `<` compares UTF-16 units, which
 * differs for characters above U+FFFF).
 */
export function compareText(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

/** The least string after every string that starts with `prefix` (null: there is none). */
export function prefixEnd(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length) {
    let last = points.pop()! + 1;
    if (last === 0xd800) last = 0xe000; // past the surrogates, which no text holds
    if (last <= 0x10ffff) return String.fromCodePoint(...points, last);
  }
  return null;
}

/** The names of a page, in name order. */
async function names(ctx: StoreContext, sql: string, args: (string | number | null)[]): Promise<string[]> {
  const rs = await ctx.run({ sql, args }, "read", "topicPage", Number(args[2]));
  return rs.rows.map((r) => r.topic as string);
}

/** The stats of the topics `page` (consecutive in name order), in one read transaction. */
async function statsOf(ctx: StoreContext, page: string[]): Promise<TopicStats[]> {
  if (!page.length) return [];
  const range = [page[0], page[page.length - 1]];
  const [countRows, pausedRows, totalRows, ...rest] = await ctx.batch(
    [
      { sql: q.PAGE_COUNTS, args: range },
      { sql: q.PAGE_PAUSED, args: range },
      { sql: q.PAGE_TOTALS, args: range },
      // index seeks per topic; one that has no live task finds none at once
      ...page.map((t) => ({ sql: OLDEST_READY, args: [t] })),
      // two primary-key seeks for a topic without limits
      ...page.map(limitStatsOf),
    ],
    "read",
    page.length,
    "topicPage",
  );
  const ready = rest.slice(0, page.length);
  const limitRows = rest.slice(page.length);
  const byTopic = new Map(page.map((t, i) => {
    const s = emptyStats(t);
    s.oldestReadyAgeMs = readyAge(ready[i].rows[0]);
    return [t, s];
  }));
  // a topic created since the names were read is left for the next read of the page
  for (const r of countRows.rows) {
    const s = byTopic.get(r.topic as string);
    if (s) s.counts[r.status as TaskStatus] = Number(r.n);
  }
  for (const r of pausedRows.rows) {
    const s = byTopic.get(r.topic as string);
    if (s) s.paused = true;
  }
  for (const r of totalRows.rows) {
    const s = byTopic.get(r.topic as string);
    if (s) s.totals = counts(r);
  }
  page.forEach((t, i) => {
    const s = byTopic.get(t)!;
    s.running = s.counts.running;
    applyLimitStats(s, limitRows[i].rows[0]);
  });
  return [...byTopic.values()];
}

/** One page of topics in name order, with the cursors around it. */
export async function topicPage(ctx: StoreContext, opts?: TopicPageOptions): Promise<TopicPage> {
  const o = parseOrThrow(TopicPageSchema, opts ?? {}, "topicPage", "invalid-options");
  const at = o.cursor != null ? decodeTopicCursor(o.cursor) : null;
  if (at && o.last) {
    throw invalid("topicPage", [{ path: "last", message: "cannot be given with cursor" }], "invalid-options");
  }
  const limit = o.limit ?? DEFAULT_TOPIC_LIMIT;
  const lo = o.prefix ?? "";
  const hi = o.prefix === undefined ? null : prefixEnd(o.prefix);
  const next = (topic: string) => encodeTopicCursor({ topic, back: false });
  const prev = (topic: string) => encodeTopicCursor({ topic, back: true });

  if (at?.back || o.last) {
    // walking back from before a topic (or from the end): the `limit` topics before it
    const before = at && (hi === null || compareText(at.topic, hi) < 0) ? at.topic : hi;
    const got = await names(ctx, q.NAMES_BEFORE, [before, lo, limit + 1]);
    // no more than a page before it: that is the first page, shown whole
    if (got.length <= limit) return topicPage(ctx, { limit, prefix: o.prefix });
    const page = got.slice(0, limit).reverse();
    return {
      data: await statsOf(ctx, page),
      cursor: at ? next(page[page.length - 1]) : null,
      prevCursor: prev(page[0]),
    };
  }
  // a cursor from before the prefix's range starts the range
  const after = at && compareText(at.topic, lo) >= 0 ? at.topic : null;
  const got = await names(ctx, after === null ? q.NAMES_FROM : q.NAMES_AFTER, [after ?? lo, hi, limit + 1]);
  const page = got.slice(0, limit);
  return {
    data: await statsOf(ctx, page),
    cursor: got.length > limit ? next(page[page.length - 1]) : null,
    prevCursor: at ? prev(page.length ? page[0] : at.topic) : null,
  };
}

/** The counts of `topicStats()` summed over every topic, or those starting with `prefix`, or after `after`. */
export async function topicTotals(ctx: StoreContext, opts?: TopicTotalsOptions): Promise<TopicTotals> {
  const o = parseOrThrow(TopicTotalsSchema, opts ?? {}, "topicTotals", "invalid-options");
  const lo = o.prefix ?? "";
  const hi = o.prefix === undefined ? null : prefixEnd(o.prefix);
  const after = o.after !== undefined && compareText(o.after, lo) >= 0 ? o.after : null;
  const sql = after === null ? q.RANGE_FROM : q.RANGE_AFTER;
  const args = [after ?? lo, hi];
  const [countRows, pausedRows, totalRows] = await ctx.batch(
    sql.map((text) => ({ sql: text, args })),
    "read",
    3,
    "topicTotals",
  );
  const byStatus = Object.fromEntries(STATUSES.map((st) => [st, 0])) as Record<TaskStatus, number>;
  for (const r of countRows.rows) byStatus[r.status as TaskStatus] += Number(r.n);
  return { counts: byStatus, paused: Number(pausedRows.rows[0].n), totals: counts(totalRows.rows[0]) };
}
