/**
 * Listing and counting tasks: keyset pages ordered by `updatedAt`, then
 * `taskId`, in either direction, each an index-only search (see `listSql`).
 *
 * @module
 */

import { decodeCursor, encodeCursor } from "../cursor.ts";
import { CursorOptionsSchema, invalid, ListFiltersSchema, parseOrThrow } from "../schemas.ts";
import type { CursorOptions, ListFilters, Page } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { rowToTask } from "./rows.ts";
import * as sql from "./sql.ts";

/** The filters present (in `ListShape` order) and their arguments. */
function filterArgs(f: ListFilters): [sql.FilterShape, (string | number)[]] {
  const args: (string | number)[] = [];
  if (f.topic !== undefined) args.push(f.topic);
  if (f.subTopic !== undefined) args.push(f.subTopic);
  if (f.status !== undefined) args.push(f.status);
  if (f.from !== undefined) args.push(f.from);
  if (f.to !== undefined) args.push(f.to);
  return [{
    topic: f.topic !== undefined,
    subTopic: f.subTopic !== undefined,
    status: f.status !== undefined,
    from: f.from !== undefined,
    to: f.to !== undefined,
  }, args];
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
  if (at && at.order !== order) {
    throw invalid("listTasks", [{
      path: "cursor",
      message: `belongs to a listing in ${at.order} order, not ${order}`,
    }], "invalid-cursor");
  }
  const back = at?.back ?? false;
  const limit = c.limit ?? 100;
  const [where, args] = filterArgs(f);
  if (at) args.push(at.updatedAt, at.taskId);
  args.push(limit + 1);
  // Walking back from a cursor is the same scan in the other direction, then reversed.
  const text = sql.listSql({ ...where, after: at !== null, desc: (order === "desc") !== back });
  const rs = await ctx.run({ sql: text, args }, "read", "listTasks");
  const more = rs.rows.length > limit;
  const data = rs.rows.slice(0, limit).map((r) => rowToTask<D>(r));
  if (back) data.reverse();
  // Forward: a next page if more rows came, a previous one if we came from a cursor; backward: the mirror.
  const hasNext = back ? true : more;
  const hasPrev = back ? more : at !== null;
  const first = data[0];
  const last = data[data.length - 1];
  return {
    data,
    cursor: hasNext && last ? encodeCursor({ ...last, order, back: false }) : null,
    prevCursor: hasPrev && first ? encodeCursor({ ...first, order, back: true }) : null,
  };
}

/** How many tasks match `filters` (one search per status when none is given). */
export async function countTasks(ctx: StoreContext, filters: ListFilters = {}): Promise<number> {
  const f = parseOrThrow(ListFiltersSchema, filters ?? {}, "countTasks");
  const [where, args] = filterArgs(f);
  const rs = await ctx.run({ sql: sql.countSql(where), args }, "read", "countTasks");
  return Number(rs.rows[0].n);
}
