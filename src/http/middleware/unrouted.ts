/**
 * The answer to a request no route took: 405 `method-not-allowed` on a path
 * some route has, else 404 `not-found/route-not-found`.
 *
 * @module
 */

import type { Context, Hono } from "hono";
import { errorResponse } from "../errors.ts";

/** 404 `not-found/route-not-found`, naming the method and path asked. */
export function routeNotFound(c: Context): Response {
  return errorResponse(c, 404, {
    type: "not-found",
    code: "route-not-found",
    message: `no route ${c.req.method} ${c.req.path}`,
  });
}

/**
 * The methods each route path of `app` answers, as a lookup from a path
 * relative to the app's mount point: `/tasks/a` → `["GET", "HEAD"]` (HEAD
 * wherever GET is: Hono answers it with the GET route), `[]` for a path no
 * route has. Built from `app.routes` on first use, so it is exactly the
 * routes registered (the dashboard's included), never a second list.
 */
function methodsByPath(app: Hono): (path: string) => string[] {
  let table: [RegExp, Set<string>][] | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of app.routes) {
      if (r.method === "ALL") continue; // middleware and the catch-all
      (byPath.get(r.path) ?? byPath.set(r.path, new Set()).get(r.path)!).add(r.method);
    }
    return [...byPath].map(([path, methods]): [RegExp, Set<string>] => {
      if (methods.has("GET")) methods.add("HEAD");
      const source = path.split("/").map((seg) => {
        const param = /^:\w+(?:\{(.+)\})?$/.exec(seg);
        if (!param) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        return param[1] ? `(?:${param[1]})` : "[^/]+";
      }).join("/");
      return [new RegExp(`^${source}$`), methods];
    });
  };
  return (path) => {
    table ??= build();
    const allowed = new Set<string>();
    for (const [re, methods] of table) if (re.test(path)) { for (const m of methods) allowed.add(m); }
    return [...allowed].sort();
  };
}

/**
 * The handler of every request under `app`'s mount that no route took (a
 * mounted app's `notFound` does not apply: Hono routes the parent's): a path
 * some route of `app` has, asked with another method, is 405
 * `method-not-allowed` with an `Allow` header naming the methods it has; any
 * other is 404 `route-not-found`. Register it last, on `*`. (Hono's own
 * `methodNotAllowed` came in 4.13; the peer range starts at 4.6.)
 *
 * @example
 * ```ts
 * app.all("*", unrouted(app));
 * ```
 */
export function unrouted(app: Hono): (c: Context) => Response {
  const methodsOf = methodsByPath(app);
  return function unrouted(c) {
    // the mount is as many segments of the path as precede this route's `/*` (counted: a mount may hold a parameter)
    const depth = c.req.routePath.replace(/\/?\*$/, "").split("/").length;
    const path = "/" + c.req.path.split("/").slice(depth).join("/");
    const allowed = methodsOf(path);
    if (!allowed.length || allowed.includes(c.req.method)) return routeNotFound(c);
    c.header("Allow", allowed.join(", "));
    return errorResponse(c, 405, {
      type: "method-not-allowed",
      code: "method-not-allowed",
      message: `${c.req.method} is not a method of ${c.req.path}; it takes ${allowed.join(", ")}`,
    });
  };
}
