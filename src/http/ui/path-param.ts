/**
 * The dashboard's path parameters (a task id, a topic) checked before an
 * action acts on them.
 *
 * @module
 */

import type { Context } from "hono";
import * as v from "valibot";
import { invalid } from "../../schemas.ts";

/**
 * No control characters: no link of the dashboard holds one, and the
 * redirect that answers an action cannot carry one in its `Location`.
 */
const PathName = v.pipe(v.string(), v.regex(/^\P{Cc}*$/u, "must not contain control characters"));

/** The path parameter `name`, or a 400 `invalid-request` naming it when it holds a control character. */
export function pathParam(c: Context, name: string): string {
  const value = c.req.param(name) ?? "";
  const result = v.safeParse(PathName, value);
  if (!result.success) throw invalid("path", [{ path: name, message: result.issues[0].message }], "invalid-request");
  return value;
}
