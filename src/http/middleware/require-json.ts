/**
 * Refusing a request body that is not JSON, with 415, before it is validated.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { TaskError } from "../../errors.ts";

/** Options of `requireJson`. */
export interface RequireJsonOptions {
  /**
   * The body is optional: a request with no body at all (no Content-Type, no
   * length) passes, and is validated as `{}`. Default `false`.
   */
  optional?: boolean;
}

/** `application/json` or any `+json` media type, as Hono's JSON validator reads it. */
const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/**
 * Refuses a body that is not JSON: 415 `unsupported-media-type/unsupported-content-type`.
 * Hono's validator would otherwise validate `{}` in its place, and the client
 * would read "topic is required" when the real problem is the content type.
 *
 * @example
 * ```ts
 * app.post("/tasks/:taskId/hold", requireJson({ optional: true }), validate("json", EmptyBody), handler);
 * ```
 */
export function requireJson(options: RequireJsonOptions = {}): MiddlewareHandler {
  const optional = options.optional ?? false;
  return async function requireJson(c, next) {
    const type = c.req.header("content-type");
    const empty = optional && !type && (c.req.header("content-length") ?? "0") === "0" &&
      c.req.header("transfer-encoding") === undefined;
    if (empty) return next();
    const media = type ? type.split(";")[0].trim() : "";
    if (!JSON_MEDIA.test(media)) {
      throw new TaskError(
        "unsupported-media-type",
        "unsupported-content-type",
        `the request body must be JSON sent with Content-Type: application/json (got ${
          media ? `Content-Type: ${media.slice(0, 100)}` : "no Content-Type"
        })`,
        { issues: [{ path: "", message: "Content-Type must be application/json" }] },
      );
    }
    await next();
  };
}
