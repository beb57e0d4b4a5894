/**
 * Listing and counting tasks: keyset pages in either direction, each an
 * index-only search per status (see `listSql`). Live tasks (`starting`,
 * `running`, `snoozed`) come in reservation order, resting ones by
 * `updatedAt`, then `taskId`; over several statuses, status by status.
 *
 * @module
 */

import { decodeCursor, encodeCursor, filtersPrint, type SortKey } from "../cursor.ts";
import { CursorOptionsSchema, invalid, ListFiltersSchema, parseOrThrow } from "../schemas.ts";
import { keptAt, STATUSES } from "../transitions.ts";
import type * as v from "valibot";
import type { CursorOptions, ListFilters, Page } from "../types.ts";
import type { StoreContext } from "./context.ts";
import type { Row } from "../drivers/driver.ts";
import { rowToTask } from "./rows.ts";
import { countSql, type FilterShape, listSql } from "./statements/listing.ts";

/** The filters present (in `FilterShape` order) and their arguments. */
function filterArgs(f: v.InferOutput<typeof ListFiltersSchema>): [FilterShape, (string | number | null)[]] {
  const args: (string | number | null)[] = [];
  if (f.topic !== undefined) args.push(f.topic);
  if (f.subTopic !== undefined) args.push(f.subTopic);
  if (f.taskGroupId !== undefined) args.push(f.taskGroupId);
  if (f.schedule !== undefined) args.push(f.schedule);
  if (f.from !== undefined) args.push(f.from);
  if (f.to !== undefined) args.push(f.to);
  return [{
    topic: f.topic !== undefined,
    subTopic: f.subTopic !== undefined,
    group: f.taskGroupId !== undefined,
    schedule: f.schedule !== undefined,
    status: f.status !== undefined ? STATUSES.indexOf(f.status) : -1,
    from: f.from !== undefined,
    to: f.to !== undefined,
  }, args];
}

/** A listing row's status group and sort key (the `g`, `k1`… columns of `listSql`). */
function placeOf(r: Row): [number, SortKey] {
  const rank = Number(r.g);
  const kept = keptAt(rank);
  const key: SortKey = kept === "waiting"
    ? [String(r.k1), Number(r.k2), Number(r.k3), Number(r.k4)]
    : kept === "parked"
    ? [String(r.k1), Number(r.k2), Number(r.k3)]
    : [Number(r.k1), String(r.k2)];
  return [rank, key];
}

/** One page of the tasks matching `filters`, with cursors to the next and previous pages. */
export async function listTasks<D>(
  ctx: StoreContext,
  filters: ListFilters = {},
  cursorOpts: CursorOptions = {},
): Promise<Page<D>> {
  const f = parseOrThrow(ListFiltersSchema, filters ?? {}, "listTasks");
  const c = parseOrThrow(CursorOptionsSchema, cursorOpts ?? {}, "listTasks");
  const at = c.cursor != null ? decodeCursor(c.cursor) : null;
  const order = c.order ?? at?.order ?? "asc";
  const [where, args] = filterArgs(f);
  if (at && at.order !== order) {
    throw invalid("listTasks", [{
      path: "cursor",
      message: `belongs to a listing in ${at.order} order, not ${order}`,
    }], "invalid-cursor");
  }
  if (at && where.status >= 0 && at.rank !== where.status) {
    throw invalid("listTasks", [{
      path: "cursor",
      message: `belongs to a listing of ${STATUSES[at.rank]} tasks, not ${f.status}`,
    }], "invalid-cursor");
  }
  const print = filtersPrint([
    f.topic,
    f.subTopic,
    f.status,
    f.taskGroupId,
    f.from,
    f.to,
    ...(f.schedule === undefined ? [] : [`schedule:${f.schedule}`]),
  ]);
  if (at?.filters !== undefined && at.filters !== print) {
    throw invalid("listTasks", [{
      path: "cursor",
      message: "belongs to a listing with other filters: start again without it",
    }], "invalid-cursor");
  }
  const back = at?.back ?? false;
  const limit = c.limit ?? 100;
  const key: (string | number | null)[] = at ? [...at.key] : [];
  while (key.length < 4) key.push(null);
  args.push(...key, limit + 1);
  // Walking back from a cursor is the same scan in the other direction, then reversed.
  const arms = listSql({ ...where, after: at ? at.rank : -1, desc: (order === "desc") !== back, back });
  // One status: one search. Several: one search each, in one read transaction, taken in order until full.
  const sets = arms.length === 1
    ? [await ctx.run({ sql: arms[0], args }, "read", "listTasks")]
    : await ctx.batch(arms.map((text) => ({ sql: text, args })), "read", arms.length * (limit + 1), "listTasks");
  const found = sets.flatMap((rs) => rs.rows);
  const more = found.length > limit;
  const rows = found.slice(0, limit);
  if (back) rows.reverse();
  const data = rows.map((r) => rowToTask<D>(r));
  // Forward: a next page if more rows came, a previous one if we came from a cursor; backward: the mirror.
  const hasNext = back ? true : more;
  const hasPrev = back ? more : at !== null;
  const cursorAt = (r: Row | undefined, back: boolean) => {
    if (!r) return null;
    const [rank, key] = placeOf(r);
    return encodeCursor({ rank, key, order, back, filters: print });
  };
  return {
    data,
    cursor: hasNext ? cursorAt(rows[rows.length - 1], false) : null,
    prevCursor: hasPrev ? cursorAt(rows[0], true) : null,
  };
}

/** How many tasks match `filters` (one count per status when none is given). */
export async function countTasks(ctx: StoreContext, filters: ListFilters = {}): Promise<number> {
  const f = parseOrThrow(ListFiltersSchema, filters ?? {}, "countTasks");
  const [where, args] = filterArgs(f);
  const rs = await ctx.run({ sql: countSql(where), args }, "read", "countTasks");
  return Number(rs.rows[0].n);
}
