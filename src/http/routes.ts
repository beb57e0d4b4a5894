/**
 * `sokkaRoutes()`: the queue as a Hono app — the JSON API and the
 * pull-consumer routes (any HTTP client can be a worker, fenced by
 * `leaseId`). Mount it where you like: `app.route("/sokka", sokkaRoutes({ taskq }))`.
 * Each route is declared once, in the route table (src/http/operations/),
 * from which the OpenAPI document is written too.
 *
 * @module
 */

import { type Context, Hono, type MiddlewareHandler } from "hono";
import * as v from "valibot";
import { fields, intRange, parseOrThrow, PositiveBytes } from "../schemas.ts";
import type { TaskQ } from "../types.ts";
import { byTopic } from "../typed/by-topic.ts";
import { isTaskDefinition } from "../typed/define-task.ts";
import type { TaskDefinition } from "../typed/types.ts";
import { onError } from "./errors.ts";
import { limitBody } from "./middleware/body-limit.ts";
import { compressReads, onWorkers } from "./middleware/compress-reads.ts";
import { crossSiteGuard, OriginSchema } from "./middleware/cross-site.ts";
import { hostCheck, HostNameSchema } from "./middleware/host-check.ts";
import { requireJson } from "./middleware/require-json.ts";
import { routeNotFound, unrouted } from "./middleware/unrouted.ts";
import { validate } from "./middleware/validate.ts";
import { openApiDocument } from "./openapi.ts";
import { OPERATIONS } from "./operations/mod.ts";
import type { Deps, Operation } from "./operations/operation.ts";
import { uiRoutes } from "./ui/routes.ts";

/** Options of `sokkaRoutes`. */
export interface SokkaRoutesOptions {
  /** The store the routes read and write. */
  taskq: TaskQ;
  /** Largest accepted request body in bytes. Default 1.5 MiB (room for the store's default 1 MiB of data). */
  maxBodyBytes?: number;
  /**
   * Origins (`https://admin.example.com`) of other sites whose pages may send
   * writes. Every other write a browser sends from another origin (its
   * `Sec-Fetch-Site` is `cross-site` or `same-site`, or its `Origin` is not the
   * request's own) is refused, 403 `forbidden/cross-site-request`. Requests
   * with neither header (curl, server-side clients) are not affected.
   */
  allowedOrigins?: string[];
  /**
   * The host names the routes answer to (`queue.example.com`), against DNS
   * rebinding: a request whose `Host` names another is refused, 403
   * `forbidden/host-not-allowed`, reads included. `localhost` and IP
   * addresses always pass (neither can be a rebinding name); the port is not
   * compared. Default: no check (your app's own host routing decides).
   */
  allowedHosts?: string[];
  /**
   * Compress the answers to GET requests (the dashboard, `/metrics`,
   * listings) with gzip or deflate for clients that accept it, through
   * `hono/compress` (the web-standard `CompressionStream`). Writes and the
   * pull consumers' routes are never compressed. Default `true`, except on
   * Cloudflare Workers, which compress every answer themselves (one
   * compressed here would be compressed twice); turn it off behind a proxy
   * that compresses already.
   */
  compress?: boolean;
  /**
   * Most topics `GET /metrics` lists by name (the first in name order); the
   * others are summed into one series per metric labelled
   * `overflow="true"`. Default 500 (about 7,000 series, some 360 KB).
   */
  metricsTopics?: number;
  /**
   * Typed task definitions (`defineTask`): `POST /tasks` and `POST /tasks/batch`
   * check the `data` of a task of their topics with the definition's schema
   * (400 `bad-request/invalid-task` naming each issue, `data.…`; nothing
   * written). Tasks of other topics are not checked. One definition per topic.
   */
  tasks?: TaskDefinition<any, any, any>[];
}

/** Topics `/metrics` lists by name when `metricsTopics` is not given. */
export const DEFAULT_METRICS_TOPICS = 500;

/** Largest request body when `maxBodyBytes` is not given: 1.5 MiB, room for the store's default 1 MiB of data. */
const DEFAULT_MAX_BODY_BYTES = 1_572_864;

const OptionsSchema = fields({
  taskq: v.pipe(
    v.custom<TaskQ>((q) => typeof (q as TaskQ)?.reserveTask === "function", "must be a TaskQ (from createTaskQ())"),
    v.description("the store, a TaskQ from createTaskQ()"),
  ),
  maxBodyBytes: v.optional(PositiveBytes),
  allowedOrigins: v.optional(v.array(OriginSchema, "must be an array of origins")),
  allowedHosts: v.optional(v.array(HostNameSchema, "must be an array of host names")),
  compress: v.optional(v.boolean("must be true or false")),
  metricsTopics: v.optional(intRange(1, 100_000)),
  tasks: v.optional(
    v.array(
      v.custom<TaskDefinition<any, any, any>>(isTaskDefinition, "must be a definition made by defineTask()"),
      "must be an array of definitions made by defineTask()",
    ),
  ),
}, "sokkaRoutes options");

/**
 * Registers `op` on `app`: its own middleware, the body's JSON check and
 * validation, the query's validation, then its handler given what they validated.
 */
function mount(app: Hono, op: Operation, deps: Deps): void {
  const chain: MiddlewareHandler[] = [...(op.use ?? [])];
  if (op.body) {
    chain.push(
      requireJson({ optional: op.body.optional }),
      validate("json", op.body.schema, op.body.code ?? "invalid-request", op.body.arrayHint),
    );
  }
  if (op.query) chain.push(validate("query", op.query.schema, "invalid-query"));
  const valid = (c: Context, target: "json" | "query") => (c.req.valid as (target: string) => unknown)(target);
  app.on(op.method.toUpperCase(), op.path, ...chain, (c) =>
    op.handle(c, {
      body: op.body ? valid(c, "json") : undefined,
      query: op.query ? valid(c, "query") : undefined,
    }, deps));
}

/**
 * The JSON API, the pull-consumer routes and the dashboard (`/ui`) as a Hono
 * app. It answers every path under its mount point: an unknown one is a JSON
 * 404 (`not-found/route-not-found`; under `/ui`, the dashboard's HTML 404
 * page), a known one asked with a method it does not take a 405
 * (`method-not-allowed`, with an `Allow` header), so mount it at its own
 * prefix, or after your own routes.
 *
 * Writes sent by a browser from a page of another origin are refused (403
 * `forbidden/cross-site-request`) unless `allowedOrigins` lists it; requests
 * with no `Origin` and no `Sec-Fetch-Site` (curl, server-side clients) pass.
 * With `allowedHosts`, a request whose `Host` is none of those names (nor
 * `localhost` or an IP address) is refused (403 `forbidden/host-not-allowed`):
 * set it when the server is reachable from a browser by a name, against DNS
 * rebinding. The dashboard and `/docs` forbid being framed.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { createTaskQ } from "sokka";
 * import { sokkaRoutes } from "sokka/http";
 * const app = new Hono();
 * app.route(
 *   "/sokka",
 *   sokkaRoutes({
 *     taskq: createTaskQ({ url: "file:sokka.db" }),
 *     allowedHosts: ["queue.example.com"], // answer only to this name (and localhost, IP addresses)
 *     allowedOrigins: ["https://admin.example.com"], // this site's pages may write too
 *   }),
 * );
 * export default app;
 * ```
 */
export function sokkaRoutes(options: SokkaRoutesOptions): Hono {
  const {
    taskq,
    maxBodyBytes,
    allowedOrigins,
    allowedHosts,
    compress: compressed = !onWorkers(),
    metricsTopics = DEFAULT_METRICS_TOPICS,
    tasks = [],
  } = parseOrThrow(OptionsSchema, options, "sokkaRoutes", "invalid-options");
  const definitions = byTopic(tasks, "sokkaRoutes");
  const app = new Hono();
  app.onError(onError);
  app.notFound(routeNotFound);
  if (allowedHosts) app.use("*", hostCheck({ allowedHosts }));
  app.use("*", crossSiteGuard({ allowedOrigins }));
  app.use("*", limitBody({ maxSize: maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }));
  if (compressed) app.use("*", compressReads());

  app.route("/ui", uiRoutes(taskq));
  const deps: Deps = { taskq, metricsTopics, definitions, document: openApiDocument };
  for (const op of OPERATIONS) mount(app, op, deps);
  // last: every other request under the mount (405 on a path some route has, else 404)
  app.all("*", unrouted(app));
  return app;
}
