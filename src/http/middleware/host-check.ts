/**
 * The `Host` check against DNS rebinding: a page on `rebind.attacker.example`
 * whose name is made to resolve to 127.0.0.1 talks to a local server as
 * its own origin (same-origin, so no cross-site check can tell), but every
 * request it sends says `Host: rebind.attacker.example`. Answering only the
 * names the server is meant to be reached by stops it.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import * as v from "valibot";
import { TaskError } from "../../errors.ts";

/** What a `Host` header or a listen address may be made of (no `@`, `/`, space: nothing a URL would read as more). */
const HOST_CHARS = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(:\d{1,5})?$/i;

/**
 * The host name of a `Host` header value (`name`, `name:port`, `[::1]:port`),
 * lower case and without a trailing dot, IP addresses in their canonical form;
 * null when it is not one.
 */
export function hostNameOf(host: string): string | null {
  if (!HOST_CHARS.test(host)) return null;
  try {
    return new URL(`http://${host}`).hostname.replace(/\.$/, "");
  } catch {
    return null;
  }
}

/**
 * True for an IP address (`127.0.0.1`, `[::1]`), as {@link hostNameOf} gives
 * it. A `Host` that is an address cannot be a rebinding attack: the browser
 * was pointed at the address itself, so the page is the server's own.
 */
export function isIpAddress(hostName: string): boolean {
  return hostName.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostName);
}

/** One entry of `allowedHosts`: a host name without port (`queue.example.com`), stored as {@link hostNameOf} gives it. */
export const HostNameSchema = v.pipe(
  v.string("must be a string"),
  v.check(
    (s) => !/:\d+$/.test(s) && hostNameOf(s) !== null,
    'must be a host name such as "queue.example.com" (no scheme, port or path)',
  ),
  v.transform((s) => hostNameOf(s)!),
  v.description("a host name such as queue.example.com"),
);

/** Options of `hostCheck`. */
export interface HostCheckOptions {
  /** The host names to answer to besides `localhost` and IP addresses, as {@link HostNameSchema} gives them. */
  allowedHosts: readonly string[];
}

/**
 * Answers only requests whose `Host` names one of `allowedHosts`, `localhost`
 * or an IP address (the port is not compared); any other is 403
 * `forbidden/host-not-allowed`, before anything is read or written.
 *
 * @example
 * ```ts
 * app.use("*", hostCheck({ allowedHosts: ["queue.example.com"] }));
 * ```
 */
export function hostCheck(options: HostCheckOptions): MiddlewareHandler {
  const allowed = new Set(["localhost", ...options.allowedHosts]);
  return function hostCheck(c, next) {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    const name = hostNameOf(host);
    if (name === null || !(allowed.has(name) || isIpAddress(name))) {
      throw new TaskError(
        "forbidden",
        "host-not-allowed",
        `refused: this server does not answer to the host name ${JSON.stringify(host.slice(0, 200))}; ` +
          "list it in allowedHosts (sokka serve --allowed-host) if it is one of its names",
      );
    }
    return next();
  };
}
