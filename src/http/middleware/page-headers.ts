/**
 * The headers of the HTML pages (the dashboard and `/docs`), from Hono's
 * `secureHeaders`: a Content-Security-Policy that forbids framing (against
 * clickjacking) and runs no script but the page's own, and
 * `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** The CSP source of an inline script: `'sha256-…'` of its exact text. */
async function scriptHash(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

/**
 * `secureHeaders` for a page whose only scripts are the inline `scripts`
 * (their exact texts; none: no script may run). Styles may be inline (the
 * pages carry their stylesheet in a `<style>`); images only `data:` (the tab
 * icon); `fetch` only to the page's own origin (the in-place refresh); forms
 * only post to it. No `Strict-Transport-Security`: the routes may be mounted
 * in a larger app, whose whole host that header would bind.
 *
 * @example
 * ```ts
 * app.get("/docs", pageHeaders([]), (c) => c.html(page));
 * ```
 */
export function pageHeaders(scripts: readonly string[]): MiddlewareHandler {
  // hashed on the first request: Workers allow no crypto work at a module's top level
  let ready: Promise<MiddlewareHandler> | undefined;
  const build = async () => {
    const hashes = await Promise.all(scripts.map(scriptHash));
    return secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: hashes.length ? hashes : ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: "DENY",
      // the page's own form posts then carry its Origin (with no-referrer they would say "null")
      referrerPolicy: "same-origin",
      strictTransportSecurity: false,
    });
  };
  return async (c, next) => (await (ready ??= build()))(c, next);
}
