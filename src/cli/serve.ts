/**
 * `sokka serve`: the HTTP API and the dashboard on the user's database,
 * served by the runtime's own server (Bun.serve, Deno.serve) or, on Node,
 * by `@hono/node-server`. Stops on SIGINT / SIGTERM, closing the store.
 *
 * @module
 */

import process from "node:process";
import { Hono } from "hono";
import { sokkaRoutes } from "../http/routes.ts";
import type { TaskQ } from "../types.ts";
import { CliError } from "./cli-error.ts";

type Fetch = (req: Request) => Response | Promise<Response>;
interface Running {
  close(): Promise<void> | void;
}
interface Runtimes {
  Bun?: { serve(o: { fetch: Fetch; port: number; hostname: string }): { stop(): void } };
  Deno?: {
    serve(o: { port: number; hostname: string; onListen?: () => void }, fetch: Fetch): { shutdown(): Promise<void> };
  };
}

async function listen(fetch: Fetch, port: number, hostname: string): Promise<Running> {
  const rt = globalThis as Runtimes;
  if (rt.Bun) {
    const s = rt.Bun.serve({ fetch, port, hostname });
    return { close: () => s.stop() };
  }
  if (rt.Deno) {
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const s = rt.Deno.serve({ port, hostname, onListen: () => listening() }, fetch);
    await ready;
    return { close: () => s.shutdown() };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise<Running>((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve({ close: () => void server.close() }));
    server.once("error", reject);
  });
}

/** What `sokka serve` serves on: its listen address and the names and origins it admits (see `sokkaRoutes`). */
export interface ServeOptions {
  port: number;
  host: string;
  /** Host names it answers to besides localhost and IP addresses (against DNS rebinding). */
  allowedHosts: string[];
  /** Origins of other sites whose pages may send writes. */
  allowedOrigins: string[];
}

/** Serves until SIGINT or SIGTERM; resolves once the server and the store are closed. */
export async function serve(taskq: TaskQ, o: ServeOptions): Promise<void> {
  const routes = sokkaRoutes({ taskq, allowedHosts: o.allowedHosts, allowedOrigins: o.allowedOrigins });
  const app = new Hono().get("/", (c) => c.redirect("/ui")).route("/", routes);
  let server: Running;
  try {
    server = await listen(app.fetch, o.port, o.host);
  } catch (e) {
    await taskq.close();
    const code = (e as { code?: string }).code;
    const why = code === "EADDRINUSE" || (e as Error).name === "AddrInUse" ? "is in use" : (e as Error).message;
    throw new CliError(`cannot serve on ${o.host}:${o.port}: the port ${why}; pass --port`, 1);
  }
  process.stderr.write(`sokka: serving on http://${o.host}:${o.port} (dashboard at /ui); Ctrl-C stops\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  await taskq.close();
}
