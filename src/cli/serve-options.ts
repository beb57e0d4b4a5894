/**
 * The options of `sokka serve`, checked as commander parses them (a bad
 * value is a usage error: one line, exit 2), and what they make: the listen
 * address, and the host names and origins the routes admit.
 *
 * @module
 */

import { InvalidArgumentError } from "commander";
import { originOf } from "../http/middleware/cross-site.ts";
import { hostNameOf, isIpAddress } from "../http/middleware/host-check.ts";
import { CliError } from "./cli-error.ts";
import type { ServeOptions } from "./serve.ts";

/** `--port`: a TCP port, 1 to 65535. */
export function port(text: string): number {
  const n = /^\d{1,5}$/.test(text.trim()) ? Number(text) : 0;
  if (n < 1 || n > 65535) throw new InvalidArgumentError("must be a port number from 1 to 65535.");
  return n;
}

/** The host name of a listen address (a bare IPv6 address such as `::` read as one), or null when it is none. */
function addressName(text: string): string | null {
  const bracketed = text.includes(":") && !text.startsWith("[") ? `[${text}]` : text;
  return /:\d+$/.test(bracketed) ? null : hostNameOf(bracketed);
}

/** `--host`: an address or host name to listen on, kept as typed. */
export function listenAddress(text: string): string {
  if (addressName(text) === null) {
    throw new InvalidArgumentError("must be an address or host name to listen on, e.g. 127.0.0.1, 0.0.0.0, ::1.");
  }
  return text;
}

/** `--allowed-host` (repeatable): a host name, without scheme or port. */
export function allowedHost(text: string, previous: string[] = []): string[] {
  const name = /:\d+$/.test(text) ? null : hostNameOf(text);
  if (name === null) {
    throw new InvalidArgumentError("must be a host name such as queue.example.com (no scheme or port).");
  }
  return [...previous, name];
}

/** `--allowed-origin` (repeatable): an origin, without path. */
export function allowedOrigin(text: string, previous: string[] = []): string[] {
  const origin = originOf(text);
  if (origin === null) throw new InvalidArgumentError("must be an origin such as https://app.example.com (no path).");
  return [...previous, origin];
}

/**
 * What to serve on, from the parsed options and `PORT`: the routes answer to
 * the listen address when it is a name (localhost and IP addresses always
 * pass) and to each `--allowed-host`.
 */
export function serveOptions(
  o: { port?: number; host: string; allowedHost?: string[]; allowedOrigin?: string[] },
  env: { PORT?: string },
): ServeOptions {
  let listenPort = o.port;
  if (listenPort === undefined) {
    try {
      listenPort = port(env.PORT ?? "8787");
    } catch (e) {
      throw new CliError(`PORT=${env.PORT} ${(e as Error).message}`, 2);
    }
  }
  const name = addressName(o.host)!;
  return {
    port: listenPort,
    host: o.host,
    allowedHosts: [...(isIpAddress(name) ? [] : [name]), ...(o.allowedHost ?? [])],
    allowedOrigins: o.allowedOrigin ?? [],
  };
}
