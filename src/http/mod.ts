/**
 * `sokka/http`: the queue over HTTP — {@link sokkaRoutes} returns a Hono app
 * with the JSON API, the pull-consumer routes (any HTTP client can be a
 * worker, fenced by `leaseId`) and the dashboard at `/ui`.
 *
 * A separate entry point so that a worker-only program (an edge function that
 * only drains a topic) does not load Hono or the dashboard.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { createTaskQ } from "sokka";
 * import { sokkaRoutes } from "sokka/http";
 *
 * const app = new Hono();
 * app.route("/sokka", sokkaRoutes({ taskq: createTaskQ({ url: "file:sokka.db" }) }));
 * export default app;
 * ```
 *
 * @module
 */

export { sokkaRoutes, type SokkaRoutesOptions } from "./routes.ts";
