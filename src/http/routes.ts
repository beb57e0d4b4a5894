/**
 * `sokkaRoutes()`: the queue as a Hono app — the JSON API and the
 * pull-consumer routes (any HTTP client can be a worker, fenced by
 * `leaseId`). Mount it where you like: `app.route("/sokka", sokkaRoutes({ taskq }))`.
 *
 * @module
 */

import { type Context, Hono, type MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import { bodyLimit } from "hono/body-limit";
import { compress } from "hono/compress";
import * as v from "valibot";
import { TaskError } from "../errors.ts";
import { type BadInputCode, fields, intRange, parseOrThrow, PositiveBytes, TaskDefSchema } from "../schemas.ts";
import type { Task, TaskQ } from "../types.ts";
import { crossSiteGuard, OriginSchema } from "./cross-site.ts";
import { errorResponse, onError } from "./errors.ts";
import { hostCheck, HostNameSchema } from "./host-check.ts";
import { METRICS_CONTENT_TYPE, readMetrics, renderMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { pageHeaders } from "./page-headers.ts";
import { referencePage } from "./reference.ts";
import { PAGE_SCRIPTS } from "./ui/layout.ts";
import { uiRoutes } from "./ui/routes.ts";
import {
  ActivityQuery,
  BatchBody,
  CancelBody,
  CompleteBody,
  EmptyBody,
  ExtendBody,
  FailBody,
  GroupQuery,
  ListQuery,
  MetricsQuery,
  PruneBody,
  ReserveBody,
  RevokeBody,
  SnoozeBody,
  TopicBody,
  TopicsQuery,
  WritesBody,
} from "./schemas.ts";

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
}

/** Topics `/metrics` lists by name when `metricsTopics` is not given. */
export const DEFAULT_METRICS_TOPICS = 500;

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
}, "sokkaRoutes options");

/** `application/json` or any `+json` media type, as Hono's JSON validator reads it. */
const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/**
 * Refuses a body that is not JSON with 415 before validation: Hono's
 * validator would otherwise validate `{}` in its place, and the client would
 * read "topic is required" when the real problem is the content type.
 */
const requireJson: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type");
  const media = type ? type.split(";")[0].trim() : "";
  if (!JSON_MEDIA.test(media)) {
    throw new TaskError(
      "unsupported-media-type",
      "unsupported-content-type",
      `the request body must be JSON sent with Content-Type: application/json (got ${
        media ? `Content-Type: ${media.slice(0, 100)}` : "no Content-Type"
      })`,
      { issues: [{ path: "", message: "Content-Type must be application/json" }] },
    );
  }
  await next();
};

/**
 * Bodies over `maxSize` bytes are 413. Hono's `bodyLimit` reads
 * `c.req.raw.body` first, which on @hono/node-server turns its light request
 * into a full `Request` with a body stream (an AbortController, a web stream
 * over the socket): measured, a bare JSON route fell from 29.6k to 4.8k req/s
 * with it. A body with a `Content-Length` (and no `Transfer-Encoding`) is
 * judged by that header alone — the HTTP parser never delivers more than it
 * says — and only a chunked body goes through `bodyLimit`'s counting stream.
 */
function limitBody(maxSize: number): MiddlewareHandler {
  const tooLarge = (c: Context) =>
    errorResponse(c, 413, {
      type: "too-large",
      code: "data-too-large",
      message: `request body over ${maxSize} bytes`,
    });
  const streaming = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(length) > maxSize ? Promise.resolve(tooLarge(c)) : next();
    }
    return streaming(c, next);
  };
}

/**
 * Whether this runs on Cloudflare Workers (workerd), whose runtime encodes
 * every answer that has a `Content-Encoding` itself.
 */
const onWorkers = () =>
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

/**
 * `hono/compress` on the answers to GET requests only. The big answers are
 * reads (a dashboard page refreshed every 5 s per open tab, `/metrics`, a
 * listing); a write's answer is one task, and `fetch` in Node, Bun and Deno
 * asks for gzip by default, so compressing every answer would cost a pull
 * consumer's hot path a compression and a decompression per request for a
 * few hundred bytes.
 */
function compressReads(): MiddlewareHandler {
  const gzip = compress();
  return (c, next) => (c.req.method === "GET" ? gzip(c, next) : next());
}

/**
 * Validates the JSON body with `schema` through the store's own
 * `parseOrThrow`, so HTTP and in-process callers read the same messages: each
 * refused field, and what it must be.
 */
const body = <S extends v.GenericSchema>(schema: S, code: BadInputCode) =>
  [requireJson, validator("json", (value) => parseOrThrow(schema, value, "body", code))] as const;

/**
 * As `body`, for an action whose body is optional: a request with no body at
 * all (no Content-Type, no length) is validated as `{}`; any other must be JSON.
 */
const optionalBody = <S extends v.GenericSchema>(schema: S) =>
  [
    ((c, next) => {
      const empty = !c.req.header("content-type") &&
        (c.req.header("content-length") ?? "0") === "0" && c.req.header("transfer-encoding") === undefined;
      return empty ? next() : requireJson(c, next);
    }) as MiddlewareHandler,
    validator("json", (value) => parseOrThrow(schema, value, "body", "invalid-request")),
  ] as const;

/** Validates the query string with `schema`. */
const query = <S extends v.GenericSchema>(schema: S) =>
  validator("query", (value) => parseOrThrow(schema, value, "query", "invalid-query"));

const routeNotFound = (c: Context) =>
  errorResponse(c, 404, {
    type: "not-found",
    code: "route-not-found",
    message: `no route ${c.req.method} ${c.req.path}`,
  });

/**
 * A refusal of `createTasks` as `POST /tasks/batch` answers it: each issue's
 * path in the body's terms, `tasks.<index>.<field>` (the index from
 * `details.index`, or already leading the path, as for a repeated `taskId`).
 */
function inBatch(e: unknown): unknown {
  if (!(e instanceof TaskError) || !e.issues) return e;
  const index = (e.details as { index?: unknown } | undefined)?.index;
  const at = typeof index === "number" ? `tasks.${index}` : "tasks";
  const issues = e.issues.map((i) => ({ path: i.path ? `${at}.${i.path}` : at, message: i.message }));
  const message = `body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
  return new TaskError(e.type, e.code, message, { details: e.details, issues, cause: e.cause });
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
 * Every request no route took: a path some route has, asked with another
 * method, is 405 `method-not-allowed` with an `Allow` header naming the
 * methods it has; any other is 404 `route-not-found`.
 */
function unrouted(app: Hono): (c: Context) => Response {
  const methodsOf = methodsByPath(app);
  return (c) => {
    // this handler's own route is `<mount>/*`: the mount is as many segments of the path as precede the `/*`
    // (counted, not compared: a mount may hold a parameter, `/:tenant/q`)
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
  } = parseOrThrow(OptionsSchema, options, "sokkaRoutes", "invalid-options");
  const maxSize = maxBodyBytes ?? 1_572_864;
  const app = new Hono();
  app.onError(onError);
  app.notFound(routeNotFound);
  if (allowedHosts) app.use("*", hostCheck(allowedHosts));
  app.use("*", crossSiteGuard(allowedOrigins));
  app.use("*", limitBody(maxSize));
  if (compressed) app.use("*", compressReads());

  app.route("/ui", uiRoutes(taskq));

  app.post("/tasks", ...body(TaskDefSchema, "invalid-task"), async (c) => {
    return c.json(await taskq.createTask(c.req.valid("json")), 201);
  });
  // Many at once, all or none: each refusal names its item as the body does (tasks.3.topic).
  app.post("/tasks/batch", ...body(BatchBody, "invalid-task"), async (c) => {
    try {
      return c.json({ tasks: await taskq.createTasks(c.req.valid("json").tasks) }, 201);
    } catch (e) {
      throw inBatch(e);
    }
  });
  app.get("/tasks", query(ListQuery), async (c) => {
    const { limit, cursor, order, ...filters } = c.req.valid("query");
    return c.json(await taskq.listTasks(filters, { limit, cursor, order }));
  });
  app.get("/tasks/:taskId", async (c) => {
    const t = await taskq.task(c.req.param("taskId"));
    if (!t) {
      return errorResponse(c, 404, {
        type: "not-found",
        code: "task-not-found",
        message: `no task ${c.req.param("taskId")}`,
      });
    }
    return c.json(t);
  });
  // A group a page at a time, in the order and with the cursors of GET /tasks.
  app.get("/groups/:taskGroupId/tasks", query(GroupQuery), async (c) => {
    const { limit, cursor, order } = c.req.valid("query");
    return c.json(await taskq.listTasks({ taskGroupId: c.req.param("taskGroupId") }, { limit, cursor, order }));
  });
  app.post("/tasks/:taskId/revoke", ...body(RevokeBody, "invalid-request"), async (c) => {
    return c.json(await taskq.revokeLease(c.req.param("taskId"), c.req.valid("json").recordVer));
  });
  // An operator's actions: each one guarded statement; a refused one is 404/409 with its code.
  app.post("/tasks/:taskId/cancel", ...optionalBody(CancelBody), async (c) => {
    return c.json(await taskq.cancelTask(c.req.param("taskId"), c.req.valid("json").reason));
  });
  app.post(
    "/tasks/:taskId/hold",
    ...optionalBody(EmptyBody),
    async (c) => c.json(await taskq.holdTask(c.req.param("taskId"))),
  );
  app.post("/tasks/:taskId/release", ...optionalBody(EmptyBody), async (c) => {
    return c.json(await taskq.releaseTask(c.req.param("taskId")));
  });
  app.post(
    "/tasks/:taskId/retry",
    ...optionalBody(EmptyBody),
    async (c) => c.json(await taskq.retryTask(c.req.param("taskId"))),
  );
  app.get("/topics", query(TopicsQuery), async (c) => c.json(await taskq.topicPage(c.req.valid("query"))));
  app.get("/activity", query(ActivityQuery), async (c) => c.json(await taskq.activity(c.req.valid("query"))));
  app.get("/openapi.json", (c) => c.json(openApiDocument(c.req.path.replace(/\/openapi\.json$/, ""))));
  app.get(
    "/docs",
    pageHeaders(PAGE_SCRIPTS),
    (c) =>
      c.html(referencePage(openApiDocument(c.req.path.replace(/\/docs$/, "")), c.req.path.replace(/\/docs$/, "/ui"))),
  );
  app.get("/metrics", query(MetricsQuery), async (c) => {
    const text = renderMetrics(await readMetrics(taskq, metricsTopics, c.req.valid("query").prefix));
    return c.body(text, 200, { "content-type": METRICS_CONTENT_TYPE });
  });
  app.post("/topics/:topic/pause", ...optionalBody(EmptyBody), async (c) => {
    await taskq.pauseTopic(c.req.param("topic"));
    return c.body(null, 204);
  });
  app.post("/topics/:topic/resume", ...optionalBody(EmptyBody), async (c) => {
    await taskq.resumeTopic(c.req.param("topic"));
    return c.body(null, 204);
  });
  // The same with the topic in the body: a topic named . or .. cannot be a path segment.
  app.post("/topics/pause", ...body(TopicBody, "invalid-request"), async (c) => {
    await taskq.pauseTopic(c.req.valid("json").topic);
    return c.body(null, 204);
  });
  app.post("/topics/resume", ...body(TopicBody, "invalid-request"), async (c) => {
    await taskq.resumeTopic(c.req.valid("json").topic);
    return c.body(null, 204);
  });
  app.post("/prune", ...body(PruneBody, "invalid-request"), async (c) => {
    return c.json({ deleted: await taskq.pruneTasks(c.req.valid("json")) });
  });

  // Pull consumers: every write names the reservation it belongs to (pid and
  // leaseId), so only the holder of a live reservation can finish a task.
  // With waitMs, a long poll: answered as soon as a task is reserved, or 204 at the deadline; a client
  // that goes away stops the wait (the request's signal), and a task reserved for it just then is handed back.
  app.post("/topics/:topic/reserve", ...body(ReserveBody, "invalid-request"), async (c) => {
    const { pid, leaseTimeMs, waitMs = 0, n } = c.req.valid("json");
    const topic = c.req.param("topic");
    const signal = c.req.raw.signal ?? new AbortController().signal; // (older workerd: no request signal)
    const deadline = Date.now() + waitMs;
    // with n: up to n tasks in one statement, answered as { tasks } (empty at the deadline)
    const answer = (ts: Task[]) =>
      n === undefined ? (ts.length ? c.json(ts[0]) : c.body(null, 204)) : c.json({ tasks: ts });
    for (;;) {
      const ts = n === undefined
        ? await taskq.reserveTask(topic, pid, { leaseTimeMs }).then((t) => (t ? [t] : []))
        : await taskq.reserveTasks(topic, pid, n, { leaseTimeMs });
      if (ts.length && signal.aborted) {
        // nobody to answer: hand them back, else their leases run out first
        await Promise.all(ts.map((t) => taskq.revokeLease(t.taskId, t.recordVer).catch(() => {})));
        return answer([]);
      }
      const left = deadline - Date.now();
      if (ts.length || left <= 0 || signal.aborted) return answer(ts);
      await taskq.waitForTask(topic, { timeoutMs: left, signal });
    }
  });
  // A pull consumer's tick in one request: each write fenced by its own reservation and answered on its own.
  app.post("/writes", ...body(WritesBody, "invalid-request"), async (c) => {
    const results = await taskq.applyWrites(c.req.valid("json").writes);
    return c.json({
      results: results.map((r) =>
        r.error
          ? { error: { type: r.error.type, code: r.error.code, message: r.error.message, status: r.error.status } }
          : { task: r.task }
      ),
    });
  });
  app.post("/tasks/:taskId/extend", ...body(ExtendBody, "invalid-request"), async (c) => {
    const { pid, leaseId, leaseTimeMs } = c.req.valid("json");
    await taskq.extendLease(c.req.param("taskId"), pid, { leaseId, leaseTimeMs });
    return c.body(null, 204);
  });
  app.post("/tasks/:taskId/complete", ...body(CompleteBody, "invalid-request"), async (c) => {
    const { pid, leaseId, result } = c.req.valid("json");
    return c.json(await taskq.terminate(c.req.param("taskId"), pid, { leaseId, result }));
  });
  app.post("/tasks/:taskId/fail", ...body(FailBody, "invalid-request"), async (c) => {
    const { pid, leaseId, errorMessage, retry } = c.req.valid("json");
    return c.json(await taskq.fail(c.req.param("taskId"), pid, errorMessage, { leaseId, retry }));
  });
  app.post("/tasks/:taskId/snooze", ...body(SnoozeBody, "invalid-request"), async (c) => {
    const { pid, leaseId, snoozeTime } = c.req.valid("json");
    return c.json(await taskq.snooze(c.req.param("taskId"), pid, snoozeTime, { leaseId }));
  });

  // A mounted app's notFound handler does not apply (Hono routes the parent's),
  // so every other request under the mount is answered here: 405 on a path some route has, else 404.
  app.all("*", unrouted(app));
  return app;
}
