/**
 * The Cloudflare example in Cloudflare's own runtime: bundled as wrangler
 * bundles it (esbuild, workerd conditions), run by `workerd` (the npm package
 * of the open-source Workers runtime) against a real libSQL server (sqld)
 * through `@libsql/client/web`. A signup is enqueued over the Worker's HTTP
 * route, then the Cron Trigger handler drains the topic and sends the mail to
 * a local HTTP server, fenced and recorded in the database like anywhere else.
 * A scheduled event delivered by workerd itself (a second Worker's service
 * binding calls `scheduled()` on it, as Cloudflare's cron does) fires a due
 * slot of a schedule through that handler's `drain()`.
 */
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client/web";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createTaskQ, getSchedule, listTasks, schedule, unschedule } from "../mod.ts";
import { tempDir, uniq, waitFor } from "./helpers.ts";
import { WORKERD_BUILD } from "./edge-build.ts";
import { type Child, freePort, spawnProcess } from "./processes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

let dir: { dir: string; cleanup(): void };
let workerd: Child;
let mailServer: Server;
const mails: { to: string; template: string }[] = [];
let base: string;
/** The trigger Worker: `GET` sends the example one scheduled event (`Fetcher.scheduled()`) and answers its outcome. */
let cronBase: string;

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port))
  );

beforeAll(async () => {
  dir = tempDir("sokka-workerd-");
  mailServer = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      mails.push(JSON.parse(body));
      res.writeHead(200).end("{}");
    });
  });
  const mailPort = await listen(mailServer);

  await build({
    entryPoints: [join(root, "test/fixtures/workerd-harness.mjs")],
    outfile: join(dir.dir, "worker.js"),
    ...WORKERD_BUILD,
  });

  // Sends the example a scheduled event through workerd: a service binding's `scheduled()` (the
  // `service_binding_extra_handlers` flag) runs its `scheduled` handler as a Cron Trigger does, and resolves
  // with the outcome once what it handed to `ctx.waitUntil` has settled.
  writeFileSync(
    join(dir.dir, "trigger.js"),
    `export default {
  async fetch(request, env) {
    const result = await env.MAIN.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
    return Response.json(result);
  },
};
`,
  );

  const port = await freePort();
  const cronPort = await freePort();
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "cron", worker = .trigger),
    # the Worker's outbound fetch may reach this machine (sqld and the mail server listen on 127.0.0.1)
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:${port}", http = (), service = "main"),
    (name = "cron", address = "127.0.0.1:${cronPort}", http = (), service = "cron"),
  ],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2026-11-01",
  bindings = [
    (name = "LIBSQL_URL", text = ${JSON.stringify(inject("remoteUrl"))}),
    (name = "MAIL_API_URL", text = "http://127.0.0.1:${mailPort}/send"),
  ],
);
const trigger :Workerd.Worker = (
  modules = [(name = "trigger.js", esModule = embed "trigger.js")],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ["service_binding_extra_handlers"],
  bindings = [(name = "MAIN", service = "main")],
);
`;
  writeFileSync(join(dir.dir, "config.capnp"), config);
  workerd = spawnProcess(join(root, "node_modules/.bin/workerd"), [
    "serve",
    join(dir.dir, "config.capnp"),
    "--verbose",
    "--experimental", // service_binding_extra_handlers, of the trigger Worker only
  ]);
  base = `http://127.0.0.1:${port}`;
  cronBase = `http://127.0.0.1:${cronPort}`;
  let exited = false;
  void workerd.exit.then(() => (exited = true));
  await waitFor(
    async () => {
      if (exited) throw new Error(`workerd exited: ${JSON.stringify(await workerd.exit)}`);
      return fetch(`${base}/sokka/tasks?limit=1`).then((r) => r.status === 200, () => false);
    },
    30_000,
    "workerd to serve the example",
  );
}, 90_000);

afterAll(async () => {
  workerd?.kill("SIGKILL");
  await workerd?.exit;
  await new Promise((r) => mailServer?.close(r));
  dir?.cleanup();
});

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

it("enqueues over the Worker's route and the cron handler drains it with the web client", async () => {
  const emails = Array.from({ length: 5 }, (_, i) => `user${i}-${Date.now()}@example.com`);
  const ids: string[] = [];
  for (const email of emails) {
    const res = await json(await fetch(`${base}/signup`, { method: "POST", body: JSON.stringify({ email }) }));
    expect(res.status).toBe(202);
    ids.push(res.body.taskId);
  }
  const before = await json(await fetch(`${base}/sokka/tasks/${ids[0]}`));
  expect(before.body).toMatchObject({ status: "starting", topic: "welcome-email", data: { email: emails[0] } });

  const run = await fetch(`${base}/__scheduled`);
  const runBody = await run.json();
  expect({ status: run.status, runBody }).toEqual({ status: 200, runBody: { ran: 1, failures: [] } });

  for (const id of ids) {
    const t = await json(await fetch(`${base}/sokka/tasks/${id}`));
    expect(t.body).toMatchObject({ status: "terminated", attempts: 1, pid: null, leaseId: null });
  }
  expect(mails.filter((m) => emails.includes(m.to)).map((m) => m.to).sort()).toEqual([...emails].sort());
  expect(mails.every((m) => m.template === "welcome")).toBe(true);

  // the dashboard renders inside workerd too (the database is the suite's shared sqld, with other suites' topics:
  // this one is found by its name), not compressed by sokka: workerd compresses answers itself
  const ui = await fetch(`${base}/sokka/ui?prefix=welcome-email`);
  expect(ui.status).toBe(200);
  const page = await ui.text();
  expect(page).toContain("welcome-email");
  const spark = /<svg class="spark"[^>]*data-completed="(\d+)"/.exec(page);
  expect(Number(spark?.[1])).toBeGreaterThanOrEqual(emails.length);
  // with its activity charts (server-rendered SVG) on its own page, counting the mails just sent
  const topicPage = await (await fetch(`${base}/sokka/ui/topics/welcome-email`)).text();
  const hour = /<svg[^>]*class="chart hour"[^>]*data-completed="(\d+)"/.exec(topicPage);
  expect(Number(hour?.[1])).toBeGreaterThanOrEqual(emails.length);
  // and the metrics and the OpenAPI document answer from workerd as well
  const metrics = await (await fetch(`${base}/sokka/metrics?prefix=welcome-email`)).text();
  expect(metrics).toMatch(/^sokka_tasks_completed_total\{topic="welcome-email"\} \d+$/m);
  expect((await json(await fetch(`${base}/sokka/openapi.json`))).body.openapi).toBe("3.1.0");
  expect(workerd.pid).toBeGreaterThan(0);
});

it("a long poll in one request is woken by a task created in another request of the same isolate", async () => {
  const topic = `lp-${Date.now()}`;
  let answered: Response | undefined;
  const polling = fetch(`${base}/sokka/topics/${topic}/reserve`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ pid: "edge-puller", waitMs: 25_000 }),
  }).then((r) => (answered = r));
  // Give the long poll time to reach the isolate and find nothing. workerd shows no state to wait on;
  // this pause cannot fail the test (a poll arriving after the task reserves it at once), it only makes
  // the case under test — a poll already waiting — the one that happens.
  await new Promise((r) => setTimeout(r, 300));
  expect(answered).toBeUndefined();
  const created = await fetch(`${base}/sokka/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic }),
  });
  expect(created.status).toBe(201);
  const task = await created.json();
  // woken by the other request (the deadline is 25 s away)
  await waitFor(() => answered, 10_000, "the long poll to answer");
  await polling;
  expect(answered!.status).toBe(200);
  expect(await answered!.json()).toMatchObject({ taskId: task.taskId, pid: "edge-puller", status: "running" });
});

it("a scheduled event from workerd fires a schedule's due slot through the handler's drain(), which runs its task", async () => {
  // the test's own store on the same server, over HTTP as the Worker reaches it
  const client = createClient({ url: inject("remoteUrl"), authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
  const taskq = createTaskQ({ client });
  const name = uniq("edge-tick");
  const email = `${name}@example.com`;
  try {
    const dbNow = async () => Number((await client.execute("SELECT unixepoch('subsec') * 1000 AS now")).rows[0].now);
    // A cron naming one second, about 2 s ahead (UTC): exactly one slot, whatever the time a slow machine takes.
    // On the topic the example's `scheduled` handler drains (its mail goes to `data.email`). Made again if the
    // second had passed before the schedule was written (its next slot is then a year away).
    const cronAt = (ms: number) => {
      const d = new Date(ms);
      return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
    };
    let slot = 0;
    await waitFor(
      async () => {
        slot = Math.ceil(((await dbNow()) + 2_000) / 1_000) * 1_000;
        const made = await schedule(taskq, { name, cron: cronAt(slot), topic: "welcome-email", data: { email } });
        return made.nextSlotAt === slot;
      },
      30_000,
      "a schedule whose slot is still ahead",
    );
    await waitFor(async () => (await dbNow()) >= slot, 10_000, "the schedule's slot to be due");
    // due, and nothing fired it: no worker or drain of the topic runs but the Worker's
    expect((await listTasks(taskq, { schedule: name })).data).toEqual([]);

    const event = await fetch(cronBase);
    expect({ status: event.status, body: await event.json() }).toMatchObject({ status: 200, body: { outcome: "ok" } });

    // the drain fired the slot and ran its task, which sent the mail
    const { data: tasks } = await listTasks(taskq, { schedule: name });
    expect(tasks).toMatchObject([{
      taskId: `${name}@${new Date(slot).toISOString().replace(/\.000Z$/, "Z")}`,
      scheduleName: name,
      slotAt: slot,
      topic: "welcome-email",
      data: { email },
      status: "terminated",
      attempts: 1,
    }]);
    const [task] = tasks;
    expect(mails.filter((m) => m.to === email)).toEqual([{ to: email, template: "welcome" }]);
    expect(await getSchedule(taskq, name)).toMatchObject({ lastSlotAt: task.slotAt, lastTaskId: task.taskId });
  } finally {
    // on the suite's shared server: nothing may fire it after this test
    await unschedule(taskq, name);
    await taskq.close();
    client.close();
  }
});
