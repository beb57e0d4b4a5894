/**
 * One mapping of every error to an HTTP answer:
 * `{ "error": { "type", "code", "message", "issues"? } }` with the status of
 * the error's type. Nothing a client sends can produce a 500; only a store
 * failure that is not the client's doing does.
 *
 * @module
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { type ErrorCode, type ErrorType, HTTP_STATUS, type Issue, TaskError } from "../errors.ts";

/** The JSON body of an error answer. */
export interface ErrorBody {
  error: { type: ErrorType; code: ErrorCode; message: string; issues?: Issue[] };
}

/** An error answer from its parts. */
export function errorResponse(c: Context, status: number, body: ErrorBody["error"]): Response {
  return c.json({ error: body } satisfies ErrorBody, status as 400);
}

const TYPE_OF_STATUS: Record<number, ErrorType> = {
  400: "bad-request",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  409: "conflict",
  413: "too-large",
  415: "unsupported-media-type",
  503: "unavailable",
};

/** A body that does not parse (Hono's validator says only "Malformed JSON in request body"). */
const BAD_JSON = "body: is not valid JSON (a JSON object, its keys and strings in double quotes, no trailing comma)";

/** Hono's `onError`: TaskError → its status; Hono's own HTTP errors (malformed JSON, …) → their 4xx. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof TaskError) {
    return errorResponse(c, HTTP_STATUS[err.type], {
      type: err.type,
      code: err.code,
      message: err.message,
      ...(err.issues ? { issues: err.issues } : {}),
    });
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status < 500) {
      return errorResponse(c, status, {
        type: TYPE_OF_STATUS[status] ?? "bad-request",
        code: status === 413 ? "data-too-large" : "invalid-request",
        message: err.message === "Malformed JSON in request body" ? BAD_JSON : err.message || "bad request",
      });
    }
  }
  return errorResponse(c, 500, { type: "internal", code: "internal-error", message: "internal error" });
}
