/**
 * The statements of a listing (`listSql`) and of a count (`countSql`), built
 * once per shape of filters: one ordered index search per status read.
 *
 * @module
 */

import { keptAt, STATUSES } from "../../transitions.ts";
import { COLUMNS, PARKED, WAITING } from "./fragments.ts";
import { statusIn } from "./guards.ts";
import { compound } from "./compound.ts";

/** Filters of a listing that are present, in a fixed order (the order of their arguments). */
export interface FilterShape {
  topic: boolean;
  subTopic: boolean;
  /** Only one task group's tasks (see `IN_GROUP`). */
  group?: boolean;
  /** Only one schedule's slot tasks (see `OF_SCHEDULE`). */
  schedule?: boolean;
  /** The status filter, as an index into `STATUSES` (-1: none): it picks the index and the order. */
  status: number;
  from: boolean;
  to: boolean;
}

/** A listing: its filters, the status group its cursor is in (-1: no cursor), and its direction. */
export interface ListShape extends FilterShape {
  after: number;
  /** Each status's own order reversed (`order: "desc"`, or walking back an ascending listing). */
  desc: boolean;
  /** The statuses from last to first: walking back to a previous page (whatever the order within each). */
  back: boolean;
}

/**
 * How each status is listed: the condition of its index and the columns it
 * is ordered by (its sort key, as `k1…k4`). A waiting task is keyed as the
 * reservation orders it, (topic, priority, ready_at, id); a parked one by
 * (topic, ready_at, id): when its lease or snooze runs out; a resting one by
 * (updated_at, task_id). Keeping live tasks out of any index on `updated_at`
 * is what lets a task's steps write no listing entry until it rests
 * (docs/performance.md).
 */
function orderOf(rank: number): { where: string; cols: string[] } {
  const own = statusIn([STATUSES[rank]]);
  switch (keptAt(rank)) {
    case "waiting":
      return { where: WAITING, cols: ["topic", "priority", "ready_at", "id"] };
    case "parked":
      return { where: `${own} AND ${PARKED}`, cols: ["topic", "ready_at", "id"] };
    case "resting":
      return { where: `${own} AND ready_at IS NULL`, cols: ["updated_at", "task_id"] };
  }
}

/**
 * The rows of task group `?n`, as in `SELECT_GROUP`: the task whose id is
 * the group's (by `task_id`), the others from the partial group index. A
 * listing of a group reads the group's rows this way and sorts each status's
 * share of them (no index orders a group by status; one that did would move
 * on every step of every grouped task): each status read costs a read of the
 * group, not of the table. Its statuses go in ONE statement (`listSql`),
 * read in turn and stopped by its LIMIT, so the statuses after a full page
 * are not read at all.
 */
const IN_GROUP = (n: number) =>
  `id IN (SELECT id FROM sokka_tasks WHERE task_id = ?${n} AND task_group_id IS NULL
    UNION ALL SELECT id FROM sokka_tasks WHERE task_group_id = ?${n})`;

/** The rows of schedule `?n`, from its partial index (slot tasks only): read as a group's are. */
const OF_SCHEDULE = (n: number) => `id IN (SELECT id FROM sokka_tasks WHERE schedule_name = ?${n})`;

/**
 * One status's part of a listing or count: the filters present (numbered
 * parameters in `FilterShape` order, then the cursor's four keys), the status
 * as a literal (it selects the index), and the keyset condition when this is
 * the status the cursor is in; `listing` false: a count of the filters.
 */
function armOf(shape: ListShape | FilterShape, rank: number, listing: boolean): string {
  const { where: own, cols: all } = orderOf(rank);
  let n = 0;
  // in a group, `+status` and `+topic` keep the status and topic out of index choice: the group's rows come
  // by id (IN_GROUP), never from a walk of every task of the status or topic
  const few = shape.group || shape.schedule;
  const where = [few ? own.replace(/\bstatus\b/g, "+status") : own];
  if (shape.topic) where.push(`${few ? "+" : ""}topic = ?${++n}`);
  if (shape.subTopic) where.push(`sub_topic = ?${++n}`);
  if (shape.group) where.push(IN_GROUP(++n));
  if (shape.schedule) where.push(OF_SCHEDULE(++n));
  if (shape.from) where.push(`updated_at >= ?${++n}`);
  if (shape.to) where.push(`updated_at <= ?${++n}`);
  if (!listing) return `SELECT count(*) FROM sokka_tasks WHERE ${where.join(" AND ")}`;
  // A topic filtered on is constant: left out of the order and of the keyset condition.
  const skip = shape.topic && all[0] === "topic" ? 1 : 0;
  const cols = all.slice(skip);
  const ls = shape as ListShape;
  if (ls.after === rank) {
    const params = cols.map((_, i) => `?${n + 1 + skip + i}`);
    where.push(`(${cols.join(", ")}) ${ls.desc ? "<" : ">"} (${params.join(", ")})`);
  }
  const keys = [0, 1, 2, 3].map((i) => `${all[i] ?? "NULL"} AS k${i + 1}`).join(", ");
  const dir = ls.desc ? " DESC" : "";
  const order = cols.map((c) => c + dir).join(", ");
  const limit = `LIMIT ?${n + 5}`;
  if (few) {
    // the group's share of this status is sorted as ids and keys only; the page's rows are read whole after
    return `SELECT ${rank} AS g, ${keys}, ${COLUMNS} FROM sokka_tasks WHERE id IN (
      SELECT id FROM sokka_tasks WHERE ${where.join(" AND ")} ORDER BY ${order} ${limit})
    ORDER BY ${order}`;
  }
  return `SELECT ${rank} AS g, ${keys}, ${COLUMNS} FROM sokka_tasks
    WHERE ${where.join(" AND ")}
    ORDER BY ${order} ${limit}`;
}

/** The statuses a listing reads, in its order: the one filtered on, else all but those the cursor is past. */
function ranksOf(shape: ListShape): number[] {
  if (shape.status >= 0) return [shape.status];
  const all = STATUSES.map((_, i) => i);
  const left = shape.after < 0 ? all : all.filter((r) => (shape.back ? r <= shape.after : r >= shape.after));
  return shape.back ? left.reverse() : left;
}

/** A shape's cache key: every field of it, so none can be left out. */
const keyOf = (shape: ListShape | FilterShape): string => JSON.stringify(shape);

const listCache = new Map<string, string[]>();

/**
 * The statements of a listing, one per status it reads, in listing order:
 * each is one ordered search of an index (a live index for a live status, a
 * resting index for the others), stopped by its LIMIT. Every one takes the
 * same arguments: the filters in `FilterShape` order, the cursor's four keys
 * (nulls without a cursor), then the limit. Statuses follow one another, so
 * the caller reads them in order until the page is full (in one read
 * transaction). A group's listing is one statement instead (see `IN_GROUP`).
 * Each shape is built once.
 */
export function listSql(shape: ListShape): string[] {
  const key = keyOf(shape);
  let sql = listCache.get(key);
  if (sql === undefined) {
    sql = ranksOf(shape).map((r) => armOf(shape, r, true));
    // a group's statuses in ONE statement, read in turn until the page is full: each status read costs a read
    // of the group, so those after a full page are never read (a batch would read them all)
    if ((shape.group || shape.schedule) && sql.length > 1) {
      const filters = +shape.topic + +shape.subTopic + +!!shape.group + +!!shape.schedule + +shape.from + +shape.to;
      sql = [`${compound(sql.map((arm) => `SELECT * FROM (${arm})`), "UNION ALL", "*")}\n  LIMIT ?${filters + 5}`];
    }
    listCache.set(key, sql);
  }
  return sql;
}

const countCache = new Map<string, string>();

/** How many tasks match the filters present (arguments: the filters, as for `listSql`): one count per status. */
export function countSql(shape: FilterShape): string {
  const key = keyOf(shape);
  let sql = countCache.get(key);
  if (sql === undefined) {
    const ranks = shape.status >= 0 ? [shape.status] : STATUSES.map((_, i) => i);
    sql = `SELECT ${ranks.map((r) => `(${armOf(shape, r, false)})`).join(" + ")} AS n`;
    countCache.set(key, sql);
  }
  return sql;
}
