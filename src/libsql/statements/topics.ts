/**
 * The statements of a page of topics (`topicPage`) and of the counts summed
 * over topics (`topicTotals`). A topic is any name with tasks, activity or a
 * pause or limits, so its names live in seven places: the waiting index, the parked
 * index (once per status), the resting tasks' `(topic, status, …)` index,
 * `sokka_paused_topics`, `sokka_activity` and `sokka_topic_limits`. Each is walked by seeks, one
 * per distinct topic (`min(topic) … WHERE topic > previous`), never row by
 * row, so a page costs the same with 100 topics or 100,000, whatever their
 * number of tasks. A missing upper bound is `x'00'`: SQLite orders every text
 * before every blob.
 *
 * @module
 */

import { statusesKept } from "../../transitions.ts";
import { PARKED, WAITING } from "./fragments.ts";
import { lit, statusIn } from "./guards.ts";
import { compound } from "./compound.ts";

/** Where topic names are found, each as the condition of its index (word for word, so SQLite picks it). */
const SOURCES: [table: string, where: string][] = [
  ["sokka_tasks", `${WAITING} AND `],
  ...statusesKept("parked").map((s): [string, string] => ["sokka_tasks", `${PARKED} AND ${statusIn([s])} AND `]),
  ["sokka_tasks", "ready_at IS NULL AND "],
  ["sokka_paused_topics", ""],
  ["sokka_activity", ""],
  ["sokka_topic_limits", ""],
];

/**
 * The first ?3 topic names after a bound, in name order (or, `back`, the
 * last ?3 before one, in reverse), from every source, each source walked by
 * seeks (a recursive CTE of `min`/`max` lookups).
 */
function namesSql(first: string, next: (prev: string) => string, back: boolean): string {
  const agg = back ? "max" : "min";
  const ctes = SOURCES.map(([table, where], i) =>
    `s${i}(t) AS (SELECT (SELECT ${agg}(topic) FROM ${table} WHERE ${where}${first})
      UNION ALL SELECT (SELECT ${agg}(topic) FROM ${table} WHERE ${where}${next(`s${i}.t`)}) FROM s${i}
      WHERE s${i}.t IS NOT NULL LIMIT ?3)`
  );
  const union = compound(SOURCES.map((_, i) => `SELECT t AS topic FROM s${i} WHERE t IS NOT NULL`), "UNION", "topic");
  return `WITH RECURSIVE ${ctes.join(",\n  ")}\n  ${union} ORDER BY 1 ${back ? "DESC" : "ASC"} LIMIT ?3`;
}

const BELOW_HI = "topic < coalesce(?2, x'00')";

/** ?1 the lowest name (included), ?2 the end of the prefix's range (excluded; NULL: none), ?3 how many. */
export const NAMES_FROM = namesSql(`topic >= ?1 AND ${BELOW_HI}`, (p) => `topic > ${p} AND ${BELOW_HI}`, false);

/** ?1 the name to start after (excluded), ?2 as `NAMES_FROM`, ?3 how many. */
export const NAMES_AFTER = namesSql(`topic > ?1 AND ${BELOW_HI}`, (p) => `topic > ${p} AND ${BELOW_HI}`, false);

/** Walking back: ?1 the name to stop before (excluded; NULL: the end), ?2 the lowest name (included), ?3 how many. */
export const NAMES_BEFORE = namesSql(
  "topic < coalesce(?1, x'00') AND topic >= ?2",
  (p) => `topic < ${p} AND topic >= ?2`,
  true,
);

/** Tasks per topic and status over a range of topics (`range` names ?1 and ?2): one range of each index. */
function countsSql(range: string, byTopic: boolean): string {
  const t = byTopic ? "topic, " : "";
  const g = byTopic ? " GROUP BY topic" : "";
  const parked = statusesKept("parked").map((s) =>
    `\n  UNION ALL SELECT ${t}${lit(s)}, count(*) FROM sokka_tasks WHERE ${PARKED} AND ${
      statusIn([s])
    } AND ${range}${g}`
  );
  return `SELECT ${t}${
    lit(statusesKept("waiting")[0])
  } AS status, count(*) AS n FROM sokka_tasks WHERE ${WAITING} AND ${range}${g}${parked.join("")}
  UNION ALL SELECT ${t}status, count(*) FROM sokka_tasks WHERE ready_at IS NULL AND ${range} GROUP BY ${t}status`;
}

const BETWEEN = "topic BETWEEN ?1 AND ?2";
const FROM_LO = `topic >= ?1 AND ${BELOW_HI}`;
const AFTER = `topic > ?1 AND ${BELOW_HI}`;
const SUMS = "sum(completed) AS completed, sum(failed) AS failed, sum(retried) AS retried, " +
  "sum(snoozed) AS snoozed, sum(cancelled) AS cancelled";

/** ?1 first, ?2 last topic of a page: its tasks per topic and status. */
export const PAGE_COUNTS = countsSql(BETWEEN, true);
/** ?1 first, ?2 last topic of a page: the paused ones. */
export const PAGE_PAUSED = `SELECT topic FROM sokka_paused_topics WHERE ${BETWEEN}`;
/** ?1 first, ?2 last topic of a page: each one's activity since its first task. */
export const PAGE_TOTALS = `SELECT topic, ${SUMS} FROM sokka_activity WHERE ${BETWEEN} GROUP BY topic`;

/** Sums over a range of topics: tasks per status, paused topics, activity since the first task. */
function rangeSql(range: string): [counts: string, paused: string, totals: string] {
  return [
    countsSql(range, false),
    `SELECT count(*) AS n FROM sokka_paused_topics WHERE ${range}`,
    `SELECT ${SUMS} FROM sokka_activity WHERE ${range}`,
  ];
}

/** ?1 the lowest name (included), ?2 the end of the range (excluded; NULL: none): the sums over those topics. */
export const RANGE_FROM = rangeSql(FROM_LO);
/** ?1 the name after which the range starts (excluded), ?2 as `RANGE_FROM`. */
export const RANGE_AFTER = rangeSql(AFTER);
