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
import { validator } from "hono/validator";
import * as v from "valibot";
import { createTask, createTaskQ, drain, type DrainResult, ok, type TaskQ } from "sokka";
import { sokkaRoutes } from "sokka/http";

const remote = Deno.env.get("LIBSQL_URL");
export const taskq: TaskQ = remote
  ? createTaskQ({ client: createClient({ url: remote, authToken: Deno.env.get("LIBSQL_AUTH_TOKEN") }) })
  : createTaskQ({ url: Deno.env.get("SOKKA_URL") ?? "file:sokka.db" });

export const app: Hono = new Hono();
app.get("/", (c) => c.redirect("/sokka/ui")); // the address Deno.serve prints leads to the dashboard
app.route("/sokka", sokkaRoutes({ taskq }));
// Hono's validator answers a body that is not JSON with a 400; valibot checks its shape.
const Signup = v.object({ email: v.pipe(v.string(), v.email()) });
app.post(
  "/signup",
  validator("json", (body, c) => {
    const r = v.safeParse(Signup, body);
    return r.success ? r.output : c.json({ error: 'send {"email": "…"}' }, 400);
  }),
  async (c) => {
    const { email } = c.req.valid("json");
    const task = await createTask(taskq, { topic: "welcome-email", data: { email } });
    return c.json({ taskId: task.taskId }, 202);
  },
);

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
