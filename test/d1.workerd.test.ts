/**
 * The D1 example in Cloudflare's own runtime: examples/cloudflare/d1-worker.ts
 * bundled as wrangler bundles it (esbuild, workerd conditions) and run by
 * miniflare's workerd with a real D1 binding. A signup is enqueued over the
 * Worker's HTTP route, the routes and dashboard answer from D1, then the
 * Cron Trigger's `scheduled` handler (delivered by workerd) drains the topic
 * under its query budget and sends the mail to the test's outbound handler.
 */
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, d1, type D1DatabaseLike, type TaskQ } from "../mod.ts";
import { WORKERD_BUILD } from "./edge-build.ts";
import { waitFor } from "./helpers.ts";

let mf: Miniflare;
let taskq: TaskQ;
const mails: { to: string; template: string }[] = [];

beforeAll(async () => {
  const out = await build({ entryPoints: ["examples/cloudflare/d1-worker.ts"], ...WORKERD_BUILD, write: false });
  mf = new Miniflare({
    // one module given whole: miniflare does not walk it (the bundle keeps sokka's optional dynamic imports)
    modules: [{ type: "ESModule", path: "worker.mjs", contents: out.outputFiles[0].text }],
    compatibilityDate: "2026-07-01",
    d1Databases: ["DB"],
    bindings: { MAIL_API_URL: "https://mail.test/send" },
    // the Worker's outbound fetch (the mail API) comes here
    outboundService: async (req: Request) => {
      mails.push(JSON.parse(await req.text()));
      return new Response("{}", { status: 200 });
    },
  });
  // the test reads the same database through the binding's proxy
  taskq = createTaskQ({ driver: d1((await mf.getD1Database("DB")) as unknown as D1DatabaseLike) });
});

afterAll(async () => {
  await taskq?.close();
  await mf?.dispose();
});

const at = (path: string, init?: RequestInit) => mf.dispatchFetch(`http://worker.test${path}`, init as never);

it("a signup over HTTP is stored in D1 (the store makes its schema on first use) and the routes answer from it", async () => {
  const res = await at("/signup", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ada@example.com" }),
  });
  expect(res.status).toBe(202);
  const { taskId } = await res.json() as { taskId: string };
  expect((await taskq.task(taskId))?.status).toBe("starting");

  const listed = await at("/sokka/tasks?topic=welcome-email");
  expect(listed.status).toBe(200);
  const page = await listed.json() as { data: { taskId: string }[] };
  expect(page.data.map((t) => t.taskId)).toContain(taskId);
  expect((await at(`/sokka/tasks/${taskId}`)).status).toBe(200);
  expect((await at("/sokka/topics")).status).toBe(200);
  expect((await at("/sokka/metrics")).status).toBe(200);
  const ui = await at("/sokka/ui");
  expect(ui.status).toBe(200);
  expect(await ui.text()).toContain("welcome-email");
  // bad input through the routes on D1: a 400 naming the field, nothing written
  const bad = await at("/sokka/tasks", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic: "" }),
  });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain("topic");
  expect(await taskq.countTasks({ topic: "welcome-email" })).toBe(1);
});

it("the scheduled handler (a Cron Trigger delivered by workerd) drains the topic: the mail is sent, the task done", async () => {
  const created = await taskq.createTasks(
    Array.from({ length: 5 }, (_, i) => ({ topic: "welcome-email", data: { email: `u${i}@example.com` } })),
  );
  const worker = await mf.getWorker();
  const outcome = await worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
  expect(outcome.outcome).toBe("ok");
  await waitFor(async () => (await taskq.countTasks({ topic: "welcome-email", status: "terminated" })) === 6, 20_000);
  for (const t of created) expect((await taskq.task(t.taskId))?.status).toBe("terminated");
  expect(mails.map((m) => m.to).sort()).toEqual(
    ["ada@example.com", ...created.map((t) => (t.data as { email: string }).email)].sort(),
  );
  expect(mails.every((m) => m.template === "welcome")).toBe(true);
});
