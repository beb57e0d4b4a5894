/**
 * Cloudflare Workers on D1: the routes and dashboard on `fetch`, and a Cron
 * Trigger whose `scheduled` handler drains the topic, with the store in a D1
 * database bound as `DB` (see d1-wrangler.toml next to this file). The store
 * creates its tables on first use; no migration step.
 *
 *     npx wrangler d1 create sokka        # put its id in d1-wrangler.toml
 *     npx wrangler deploy -c d1-wrangler.toml
 *
 * `test/d1.workerd.test.ts` bundles this file as wrangler does and runs it in
 * workerd (miniflare) with a D1 database: a signup over HTTP, then the cron's
 * drain sends the mail.
 */
import { Hono } from "hono";
import { createTask, createTaskQ, d1, drain, failed, ok, type TaskQ } from "sokka";
import { sokkaRoutes } from "sokka/http";

export interface Env {
  /** The D1 database (`[[d1_databases]]` binding "DB"). */
  DB: D1Database;
  /** Where the welcome emails are POSTed (your mail provider's API). */
  MAIL_API_URL: string;
}

interface WelcomeEmail {
  email: string;
}

/**
 * Workers Free allows 50 D1 queries per invocation (Paid: 1,000): the drain
 * keeps under 45, leaving a few for anything else the invocation sends.
 */
const QUERY_BUDGET = 45;

// A store per invocation (a request, a cron event): a Worker may not use in one request what another
// request created (the store's close signal is such an object). Opening one is free; its first call reads
// the schema's version (one query), and creates the tables on the very first use of the database.
function appFor(taskq: TaskQ): Hono {
  const app = new Hono();
  app.route("/sokka", sokkaRoutes({ taskq })); // API + dashboard at /sokka/ui; put auth in front of it (README)
  app.post("/signup", async (c) => {
    const { email } = await c.req.json<WelcomeEmail>();
    const task = await createTask(taskq, { topic: "welcome-email", data: { email } });
    return c.json({ taskId: task.taskId }, 202);
  });
  return app;
}

export default {
  fetch: (request, env, ctx) => appFor(createTaskQ({ driver: d1(env.DB) })).fetch(request, env, ctx),

  // d1-wrangler.toml: [triggers] crons = ["* * * * *"]
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      drain<WelcomeEmail>({
        taskq: createTaskQ({ driver: d1(env.DB) }),
        topic: "welcome-email",
        concurrency: 8,
        budgetMs: 25_000,
        timeoutMs: 10_000,
        maxQueries: QUERY_BUDGET,
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
