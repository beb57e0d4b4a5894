/**
 * Validating a request's JSON body or query string with a valibot schema,
 * through Hono's `validator`.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import type * as v from "valibot";
import { TaskError } from "../../errors.ts";
import { type BadInputCode, parseOrThrow } from "../../schemas.ts";

/** What `validate` reads: the JSON body or the query string. */
export type ValidationTarget = "json" | "query";

/**
 * Validates the request's `target` with `schema` through the store's own
 * `parseOrThrow`, so HTTP and in-process callers read the same messages: each
 * refused field, and what it must be (400 with `code`, the fields named under
 * `body` or `query`). The handler reads the result as `c.req.valid(target)`.
 *
 * @example
 * ```ts
 * app.get("/tasks", validate("query", ListQuery, "invalid-query"), (c) => c.json(c.req.valid("query")));
 * ```
 */
export function validate(
  target: ValidationTarget,
  schema: v.GenericSchema,
  code: BadInputCode,
  /** Where to send a body that is an array instead (`POST /tasks` → `POST /tasks/batch`). */
  arrayHint?: string,
): MiddlewareHandler {
  const label = target === "json" ? "body" : "query";
  return validator(target, (value) => {
    try {
      return parseOrThrow(schema, value, label, code);
    } catch (e) {
      if (!arrayHint || !Array.isArray(value) || !(e instanceof TaskError)) throw e;
      const hint = (message: string) => `${message} (${arrayHint})`;
      throw new TaskError(e.type, e.code, hint(e.message), {
        issues: e.issues?.map((i) => (i.path === "" ? { ...i, message: hint(i.message) } : i)),
      });
    }
  });
}
