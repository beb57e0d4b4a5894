/**
 * Refusing request bodies over a size, with 413 `too-large/data-too-large`.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errorResponse } from "../errors.ts";

/** Options of `limitBody`. */
export interface LimitBodyOptions {
  /** Largest accepted body, in bytes. */
  maxSize: number;
}

/**
 * Bodies over `maxSize` bytes are 413. A body with a `Content-Length` (and no
 * `Transfer-Encoding`) is judged by that header alone, since the HTTP parser
 * never delivers more than it says; only a chunked body goes through Hono's
 * `bodyLimit` counting stream. Hono's `bodyLimit` alone would read
 * `c.req.raw.body` first, which on @hono/node-server turns its light request
 * into a full `Request` with a body stream: a large cost on every write.
 *
 * @example
 * ```ts
 * app.use("*", limitBody({ maxSize: 1_572_864 }));
 * ```
 */
export function limitBody(options: LimitBodyOptions): MiddlewareHandler {
  const { maxSize } = options;
  const tooLarge = (c: Context) =>
    errorResponse(c, 413, {
      type: "too-large",
      code: "data-too-large",
      message: `request body over ${maxSize} bytes`,
    });
  const streaming = bodyLimit({ maxSize, onError: tooLarge });
  return function limitBody(c, next) {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(length) > maxSize ? Promise.resolve(tooLarge(c)) : next();
    }
    return streaming(c, next);
  };
}
