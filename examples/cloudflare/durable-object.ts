/**
 * Cloudflare Durable Objects: one queue per key (a tenant, a customer, a
 * topic: whatever your Worker routes by), each in a Durable Object of its
 * own whose SQLite storage holds the store. The object serves sokka's HTTP
 * routes and dashboard at `/queues/<key>/sokka`, and runs its tasks from
 * its alarm: an idle object is evicted, so no worker loop runs there;
 * after every request the object's one alarm is set to the earliest moment
 * something is due (`ensureAlarm`), and `alarm()` drains the topic and sets
 * the next one (`drainOnAlarm`). The task here delivers a webhook.
 *
 *     npx wrangler deploy --config durable-object.wrangler.toml
 *     curl -X POST https://<your worker>/queues/acme/sokka/tasks \
 *       -H 'content-type: application/json' \
 *       -d '{"topic":"webhook","data":{"url":"https://example.com/hook","body":{"hello":"world"}}}'
 *
 * `test/do/durable-object.test.ts` runs this file in workerd (the open-source
 * Workers runtime): routes, alarms, re-delivered alarms and cross-site writes.
 */
import { Hono } from "hono";
import { createTaskQ, drainOnAlarm, durableObjectSql, ensureAlarm, failed, ok, type TaskQ } from "sokka";
import { sokkaRoutes } from "sokka/http";

export interface Env {
  /** The queues, one object per key (durable-object.wrangler.toml). */
  QUEUES: DurableObjectNamespace;
}

/** A webhook to deliver: `body` is POSTed as JSON to `url`. */
export interface Webhook {
  url: string;
  body: unknown;
}

/** The topic this example's objects run. */
export const TOPIC = "webhook";

/** A queue of one key: its store on the object's own SQLite, its routes, its alarm. */
export class TaskQueue implements DurableObject {
  readonly taskq: TaskQ;
  readonly #app: Hono;

  constructor(readonly ctx: DurableObjectState, readonly env: Env) {
    // one store per object, for its lifetime; the store's schema is created on first use
    this.taskq = createTaskQ({ driver: durableObjectSql(ctx.storage) });
    // put authentication in front of these routes (see the README): anyone reaching them can change the queue
    this.#app = new Hono().route("/queues/:key/sokka", sokkaRoutes({ taskq: this.taskq }));
  }

  async fetch(request: Request): Promise<Response> {
    const response = await this.#app.fetch(request);
    // a task created (or a schedule set) by this request gets the alarm it needs: an earlier one is kept
    await ensureAlarm(this.ctx.storage, { topics: [TOPIC] });
    return response;
  }

  async alarm(): Promise<void> {
    const run = await drainOnAlarm({
      taskq: this.taskq,
      storage: this.ctx.storage,
      drains: [{ topic: TOPIC, pfn: deliver, concurrency: 8, budgetMs: 60_000, timeoutMs: 10_000 }],
    });
    console.log("alarm", JSON.stringify(run));
  }
}

/** Delivers one webhook; a non-2xx answer fails the attempt (retried when the task has `maxAttempts`). */
async function deliver(task: { data: Webhook }, { signal }: { signal: AbortSignal }) {
  const res = await fetch(task.data.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(task.data.body),
    signal, // a timeout or a lost lease cancels the call
  });
  return res.ok ? ok() : failed({ errorMessage: `the webhook answered ${res.status}` });
}

export default {
  /** `/queues/<key>/…` goes to the object of that key; nothing else is served. */
  fetch(request, env) {
    const key = /^\/queues\/([^/]+)\//.exec(new URL(request.url).pathname)?.[1];
    if (key === undefined) return new Response("not found", { status: 404 });
    return env.QUEUES.get(env.QUEUES.idFromName(decodeURIComponent(key))).fetch(request);
  },
} satisfies ExportedHandler<Env>;
