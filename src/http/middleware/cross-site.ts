/**
 * Refusing cross-site writes: a web page on another site must not be able to
 * change tasks through the operator's browser (a `fetch(…, { mode: "no-cors" })`
 * or a form post needs no CORS permission to be sent).
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import * as v from "valibot";
import { TaskError } from "../../errors.ts";

/** Methods that change nothing; everything else is a write. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** An origin as a browser sends it (`https://app.example.com`), or null when `text` is not one. */
export function originOf(text: string): string | null {
  try {
    const u = new URL(text);
    const bare = u.origin !== "null" && u.pathname === "/" && !u.search && !u.hash && !u.username && !u.password;
    return bare && !text.endsWith("#") && !text.endsWith("?") ? u.origin : null;
  } catch {
    return null;
  }
}

/** One entry of `allowedOrigins`: an origin, stored as the browser sends it (lower case, no trailing slash). */
export const OriginSchema = v.pipe(
  v.string("must be a string"),
  v.check(
    (s) => originOf(s) !== null,
    'must be an origin such as "https://app.example.com" (scheme, host and port; no path)',
  ),
  v.transform((s) => originOf(s)!),
  v.description("an origin such as https://app.example.com"),
);

/** Options of `crossSiteGuard`. */
export interface CrossSiteGuardOptions {
  /** Origins of other sites whose pages may write (`https://admin.example.com`), as {@link OriginSchema} gives them. */
  allowedOrigins?: readonly string[];
}

/**
 * Refuses a write (any method but GET, HEAD, OPTIONS) that a browser sent
 * from a page of another origin: 403 `forbidden/cross-site-request`.
 *
 * The decision is the one of Hono's `csrf` middleware: a write passes when
 * the browser says it comes from the same origin (`Sec-Fetch-Site:
 * same-origin`), or its `Origin` is the request's own or one of
 * `allowedOrigins`. Not `csrf()` itself, for two reasons: it checks only
 * form and text bodies (trusting a CORS preflight to stop the rest, which a
 * permissive `cors()` in the user's app would let through), and it refuses a
 * request that carries neither header — curl and server-side clients, which
 * no web page can drive. Such a request passes here.
 *
 * @example
 * ```ts
 * app.use("*", crossSiteGuard({ allowedOrigins: ["https://admin.example.com"] }));
 * ```
 */
export function crossSiteGuard(options: CrossSiteGuardOptions = {}): MiddlewareHandler {
  const allowed = new Set(options.allowedOrigins);
  return function crossSiteGuard(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    const refused = origin === undefined
      ? site === "cross-site" || site === "same-site"
      : site !== "same-origin" && !allowed.has(origin) && origin !== new URL(c.req.url).origin;
    if (refused) {
      const from = [
        origin === undefined ? "" : `Origin ${origin.slice(0, 200)}`,
        site === undefined ? "" : `Sec-Fetch-Site ${site.slice(0, 20)}`,
      ].filter(Boolean).join(", ");
      throw new TaskError(
        "forbidden",
        "cross-site-request",
        `refused: a write sent by a page of another site (${from}); ` +
          "list its origin in allowedOrigins (sokka serve --allowed-origin) to let it write",
      );
    }
    return next();
  };
}
