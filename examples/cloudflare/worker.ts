/**
 * Cloudflare Workers: the routes and dashboard on `fetch`, and a Cron Trigger
 * whose `scheduled` handler drains the topic. A Worker has no file system and
 * no native modules, so the store is a remote libSQL database (Turso or sqld)
 * reached through the HTTP client of `@libsql/client/web`.
 *
 *     npx wrangler secret put LIBSQL_AUTH_TOKEN
 *     npx wrangler deploy            # see wrangler.toml next to this file
 *
 * `test/edge.bundle.test.ts` bundles this file for the `workerd` condition and
 * fails if the bundle reaches for a `node:` builtin or the native libSQL binding.
 */
import { createClient } from "@libsql/client/web";
import { Hono } from "hono";
import { createTask, createTaskQ, drain, failed, ok, type TaskQ } from "sokka";
import { sokkaRoutes } from "sokka/http";

export interface Env {
  /** `libsql://…` (Turso) or `https://…` of a libSQL server. */
  LIBSQL_URL: string;
  LIBSQL_AUTH_TOKEN?: string;
  /** Where the welcome emails are POSTed (your mail provider's API). */
  MAIL_API_URL: string;
}

interface WelcomeEmail {
  email: string;
}

// One store and one app per isolate: the HTTP client holds no connection between requests.
let cached: { taskq: TaskQ; app: Hono } | undefined;
function forEnv(env: Env): { taskq: TaskQ; app: Hono } {
  if (cached) return cached;
  const taskq = createTaskQ({ client: createClient({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN }) });
  const app = new Hono();
  app.route("/sokka", sokkaRoutes({ taskq })); // API + dashboard at /sokka/ui; put auth in front of it (README)
  app.post("/signup", async (c) => {
    const { email } = await c.req.json<WelcomeEmail>();
    const task = await createTask(taskq, { topic: "welcome-email", data: { email } });
    return c.json({ taskId: task.taskId }, 202);
  });
  return (cached = { taskq, app });
}

export default {
  fetch: (request, env, ctx) => forEnv(env).app.fetch(request, env, ctx),

  // wrangler.toml: [triggers] crons = ["* * * * *"]
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      drain<WelcomeEmail>({
        taskq: forEnv(env).taskq,
        topic: "welcome-email",
        concurrency: 8,
        budgetMs: 25_000,
        timeoutMs: 10_000,
        pfn: async (task, { signal }) => {
          // passing `signal` lets a timeout or a lost lease cancel the call
          const res = await fetch(env.MAIL_API_URL, {
            method: "POST",
            body: JSON.stringify({ to: task.data.email, template: "welcome" }),
            signal,
          });
          return res.ok ? ok() : failed({ errorMessage: `mail API answered ${res.status}` });
        },
      }).then((result) => console.log("drained", JSON.stringify(result))),
    );
  },
} satisfies ExportedHandler<Env>;
