/**
 * What every dashboard page is: a path, what it reads for a request, and
 * how it shows that. The routes (`routes.ts`) answer each page the same way:
 * the whole page in the dashboard's shell, or, when the page's refresh
 * script asks (`x-sokka-fragment: 1`), only its part that refreshes in
 * place.
 *
 * @module
 */

import type { Context, Env } from "hono";
import { html } from "hono/html";
import type { TaskQ } from "../../types.ts";
import type { Html } from "./html.ts";

/** The statuses a page answers with (its own type: hono 4.6, the lowest the peer range allows, has no `ContentfulStatusCode`). */
export type PageStatus = 200 | 400 | 404;

/** Where a page is shown. */
export interface At {
  /** The dashboard's own path, e.g. `/sokka/ui`. */
  base: string;
  /** The page's own path and query (without its `notice`): what its in-place refresh reads. */
  here: string;
}

/** What a page shows for one request. */
export interface View {
  /** The title of the tab (before "· sokka"). */
  title: string;
  /** The page's content, inside the shell. */
  body: Html;
  /** Default 200. */
  status?: PageStatus;
  /** The part that refreshes in place, as sent alone to the refresh script (absent: the page never refreshes). */
  live?: Html;
  /** The status sent with `live` alone. Default 200. */
  liveStatus?: PageStatus;
}

/** A dashboard page: `D` is what it reads, `P` its path. */
export interface Page<D, P extends string = string> {
  /** Default `GET`; a form's page may answer its `POST`. */
  method?: "GET" | "POST";
  /** The route under the dashboard, in Hono's syntax (`/tasks/:taskId`). */
  path: P;
  /** Reads (a form's post: writes) what the page shows; a `Response` (a redirect) answers instead. */
  load(c: Context<Env, P>, taskq: TaskQ): Promise<D | Response>;
  /** Shows what `load` read. */
  render(data: D, at: At): View;
}

/**
 * Where the dashboard is mounted, e.g. `/sokka/ui`: the request path's first
 * segments, as many as the matched route has before its own `ui` segment
 * (the last one: the dashboard's routes hold no literal `ui`), so a mount at
 * `/ui/…` or `/ops/ui/queue` still links inside the dashboard.
 */
export function dashboardBase(c: Context): string {
  const route = c.req.routePath.split("/");
  const mount = route.lastIndexOf("ui");
  if (mount === -1) return c.req.path.replace(/\/ui(\/.*)?$/s, "/ui"); // (not under ui: never, by construction)
  return c.req.path.split("/").slice(0, mount).join("/") + "/ui";
}

/** Where the request's page is shown. */
export function at(c: Context): At {
  const u = new URL(c.req.url);
  u.searchParams.delete("notice");
  return { base: dashboardBase(c), here: u.pathname + u.search };
}

/** Whether the page's refresh script asks (for its `live` part alone). */
export function isRefresh(c: Context): boolean {
  return c.req.header("x-sokka-fragment") === "1";
}

/** `live` where it sits on its page: the refresh script reads it again from `at.here` every 5 s. */
export function refreshing(at: At, live: Html): Html {
  return html`<div data-refresh="${at.here}">${live}</div>`;
}
