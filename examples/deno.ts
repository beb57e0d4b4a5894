/**
 * Deno (and Deno Deploy): `Deno.serve` with the routes and dashboard, and a
 * `Deno.cron` job that drains the topic once a minute — no long-running
 * worker needed.
 *
 *     deno run -A --unstable-cron examples/deno.ts   # then open http://127.0.0.1:8787/sokka/ui
 *
 * Locally this uses an embedded `file:` database. On Deno Deploy there is no
 * file system: set LIBSQL_URL (and LIBSQL_AUTH_TOKEN) to a Turso / sqld
 * database and the HTTP client of `@libsql/client/web` is used instead.
 */
import { createClient } from "@libsql/client/web";
import { Hono } from "hono";
import { createTask, createTaskQ, drain, type DrainResult, ok, type TaskQ } from "sokka";
import { sokkaRoutes } from "sokka/http";

const remote = Deno.env.get("LIBSQL_URL");
export const taskq: TaskQ = remote
  ? createTaskQ({ client: createClient({ url: remote, authToken: Deno.env.get("LIBSQL_AUTH_TOKEN") }) })
  : createTaskQ({ url: Deno.env.get("SOKKA_URL") ?? "file:sokka.db" });

export const app: Hono = new Hono();
app.route("/sokka", sokkaRoutes({ taskq }));
app.post("/signup", async (c) => {
  const { email } = await c.req.json<{ email: string }>();
  const task = await createTask(taskq, { topic: "welcome-email", data: { email } });
  return c.json({ taskId: task.taskId }, 202);
});

/**
 * One run of the cron job: what is queued, for up to 50 s, then return. A task
 * whose timeout no longer fits the budget is left for the next run.
 */
export function drainWelcomeEmails(): Promise<DrainResult> {
  return drain<{ email: string }>({
    taskq,
    topic: "welcome-email",
    concurrency: 8,
    budgetMs: 50_000,
    timeoutMs: 10_000,
    pfn: (task) => {
      console.log(`sent welcome email to ${task.data.email}`);
      return ok();
    },
  });
}

if (import.meta.main) {
  Deno.cron("sokka-welcome-emails", "* * * * *", async () => console.log("drained", await drainWelcomeEmails()));
  Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8787) }, app.fetch);
}
