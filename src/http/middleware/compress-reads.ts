/**
 * Compressing the answers to GET requests, through `hono/compress`.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { compress } from "hono/compress";

/**
 * Whether this runs on Cloudflare Workers (workerd), whose runtime encodes
 * every answer that has a `Content-Encoding` itself.
 */
export const onWorkers = (): boolean =>
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

/**
 * `hono/compress` on the answers to GET requests only. The big answers are
 * reads (a dashboard page refreshed every few seconds per open tab,
 * `/metrics`, a listing); a write's answer is one task, and `fetch` in Node,
 * Bun and Deno asks for gzip by default, so compressing every answer would
 * cost a pull consumer's hot path a compression and a decompression per
 * request for a few hundred bytes.
 *
 * @example
 * ```ts
 * if (!onWorkers()) app.use("*", compressReads());
 * ```
 */
export function compressReads(): MiddlewareHandler {
  const gzip = compress();
  return function compressReads(c, next) {
    return c.req.method === "GET" ? gzip(c, next) : next();
  };
}
