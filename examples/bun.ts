/**
 * Bun: `Bun.serve` with the routes and dashboard, and a long-running
 * `worker()` in the same process, on an embedded `file:` database.
 *
 *     bun examples/bun.ts        # then open http://127.0.0.1:8787/sokka/ui
 *
 * `POST /signup {"email": "…"}` queues a task; the worker sends the mail.
 */
import { Hono } from "hono";
import { validator } from "hono/validator";
import { createTask, createTaskQ, ok, worker } from "sokka";
import * as v from "valibot";
import { sokkaRoutes } from "sokka/http";

const taskq = createTaskQ({ url: Bun.env.SOKKA_URL ?? "file:sokka.db" });

const app = new Hono();
app.get("/", (c) => c.redirect("/sokka/ui")); // the address Bun and the banner print lead to the dashboard
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
    const task = await createTask(taskq, {
      topic: "welcome-email",
      data: { email },
      taskDescription: `welcome ${email}`,
    });
    return c.json({ taskId: task.taskId }, 202);
  },
);

const mailer = worker<{ email: string }>({
  taskq,
  topic: "welcome-email",
  concurrency: 8,
  pfn: async (task, { signal }) => {
    await sendWelcomeEmail(task.data.email, signal);
    return ok();
  },
});

const server = Bun.serve({ hostname: "127.0.0.1", port: Number(Bun.env.PORT ?? 8787), fetch: app.fetch });
console.log(`sokka on Bun: http://127.0.0.1:${server.port}/sokka/ui`);

// Ctrl-C (SIGINT) and SIGTERM alike: finish what runs, hand back the rest, then exit
const shutdown = async () => {
  server.stop();
  await mailer.stop({ drain: true, timeoutMs: 10_000 });
  await taskq.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);

/** Stands in for a mail API call; honours the signal like `fetch(url, { signal })` would. */
async function sendWelcomeEmail(email: string, signal: AbortSignal): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  signal.throwIfAborted();
  console.log(`sent welcome email to ${email}`);
}
