/**
 * Reading a task's dependencies and dependants, a page at a time, and a
 * sealed group's follow-up.
 *
 * @module
 */

import { oneRow } from "../drivers/driver.ts";
import { decodeKeyCursor, encodeKeyCursor } from "../cursor.ts";
import * as v from "valibot";
import { checkArg, fields, intRange, MAX_LIMIT, Name, parseOrThrow } from "../schemas.ts";
import type { DependencyPageOptions, Page, Task } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { rowToTask } from "./rows.ts";
import { edgePage } from "./statements/dependencies.ts";
import { GROUP_FOLLOW_UP } from "./statements/nodes.ts";

const PageOptions = fields({
  limit: v.optional(intRange(1, MAX_LIMIT)),
  cursor: v.optional(v.nullable(v.pipe(v.string("must be a string"), v.description("a cursor from a page")))),
}, "paging options { limit?, cursor? }");

/** A page of `taskId`'s dependencies (`side` "dependency") or dependants. */
export async function edgeTasks<D>(
  ctx: StoreContext,
  side: "dependency" | "dependant",
  taskId: string,
  opts: DependencyPageOptions | undefined,
): Promise<Page<D>> {
  const what = side === "dependency" ? "dependencies" : "dependants";
  checkArg(Name, taskId, what, "taskId");
  const { limit = 100, cursor } = parseOrThrow(PageOptions, opts ?? {}, what, "invalid-options");
  const at = cursor ? decodeKeyCursor(cursor) : { topic: "", back: false };
  // one more than the page: whether there is a next (or, walking back, a previous) one
  const rs = await ctx.run({ sql: edgePage(side, at.back), args: [taskId, at.topic, limit + 1] }, "read", what);
  const rows = rs.rows.slice(0, limit);
  const more = rs.rows.length > limit;
  if (at.back) rows.reverse();
  const keys = rows.map((r) => r.k as string);
  const data = rows.map((r) => rowToTask<D>(r));
  const first = keys[0];
  const last = keys[keys.length - 1];
  const hasNext = at.back ? cursor !== undefined && cursor !== null : more;
  const hasPrev = at.back ? more : Boolean(cursor);
  return {
    data,
    cursor: hasNext && last !== undefined ? encodeKeyCursor({ topic: last, back: false }) : null,
    prevCursor: hasPrev && first !== undefined ? encodeKeyCursor({ topic: first, back: true }) : null,
  };
}

/** The follow-up of sealed group `taskGroupId`, or null. */
export async function groupFollowUp<D>(ctx: StoreContext, taskGroupId: string): Promise<Task<D> | null> {
  checkArg(Name, taskGroupId, "groupFollowUp", "taskGroupId");
  const rs = await ctx.run(oneRow(GROUP_FOLLOW_UP, [taskGroupId]), "read", "groupFollowUp");
  return rs.rows.length ? rowToTask<D>(rs.rows[0]) : null;
}
