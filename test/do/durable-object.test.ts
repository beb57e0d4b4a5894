/**
 * A store inside a Cloudflare Durable Object, in workerd: the example
 * (examples/cloudflare/durable-object.ts) serves sokka's routes from the
 * object of a key, and runs tasks from the object's alarm: a task created
 * with `runAt` later runs when due though the object gets no request (its
 * webhook arrives at this test's server), and a batch created at once runs
 * whole, each task once. An alarm delivered twice (by the
 * handler called twice, at once and in turn, and by workerd itself retrying
 * a failed delivery) runs its task once. A commit that fails (an injected
 * fault: the object's transaction throws at its end and SQLite rolls it
 * back) is never acknowledged. (Cross-site writes: cross-site.browser.test.ts.)
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uniq, waitFor } from "../helpers.ts";
import { startWorkerdDo, type WorkerdDo } from "./workerd-do.ts";

let wd: WorkerdDo;
let hooks: Server;
let hookUrl: string;
const received: { path: string; body: any }[] = [];

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({ path: req.url!, body: JSON.parse(body) });
      res.writeHead(200).end("{}");
    });
  });
  const port = await new Promise<number>((resolve) =>
    hooks.listen(0, "127.0.0.1", () => resolve((hooks.address() as { port: number }).port))
  );
  hookUrl = `http://127.0.0.1:${port}`;
  wd = await startWorkerdDo();
}, 90_000);

afterAll(async () => {
  await wd?.stop();
  await new Promise((r) => hooks?.close(r));
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${wd.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

it("a delayed task created over the object's routes runs from its alarm, with no request after it", async () => {
  const key = uniq("tenant");
  const hook = `${hookUrl}/${key}`;
  const runAt = Date.now() + 1_500;
  const res = await post(`/queues/${key}/sokka/tasks`, {
    topic: "webhook",
    data: { url: hook, body: { n: 1 } },
    runAt,
  });
  expect(res.status).toBe(201);
  const task = await res.json();
  expect(task).toMatchObject({ status: "starting", topic: "webhook" });
  // nothing more is sent to the object: only its alarm can run the task
  const got = await waitFor(() => received.find((r) => r.path === `/${key}`), 20_000, "the webhook");
  expect(got.body).toEqual({ n: 1 });
  expect(Date.now()).toBeGreaterThanOrEqual(runAt);
  // now ask the object: done (its outcome is written once the webhook has answered), once
  const after = await waitFor(
    async () => {
      const t = await (await fetch(`${wd.base}/queues/${key}/sokka/tasks/${task.taskId}`)).json();
      return t.status === "running" ? null : t;
    },
    10_000,
    "the task's outcome",
  );
  expect(after).toMatchObject({ status: "terminated", attempts: 1, leaseId: null });
  expect(received.filter((r) => r.path === `/${key}`)).toHaveLength(1);
});

it("a batch of tasks created at once all run from the alarm, each once", async () => {
  const key = uniq("batch");
  const tasks = Array.from({ length: 25 }, (_, i) => ({
    topic: "webhook",
    data: { url: `${hookUrl}/${key}/${i}`, body: { i } },
  }));
  const res = await post(`/queues/${key}/sokka/tasks/batch`, { tasks });
  expect(res.status).toBe(201);
  await waitFor(
    () => received.filter((r) => r.path.startsWith(`/${key}/`)).length >= tasks.length,
    30_000,
    "every webhook",
  );
  const paths = received.filter((r) => r.path.startsWith(`/${key}/`)).map((r) => r.path).sort();
  expect(paths).toEqual(tasks.map((_, i) => `/${key}/${i}`).sort());
  const done = await waitFor(
    async () => {
      const page = await (await fetch(`${wd.base}/queues/${key}/sokka/tasks?status=terminated&limit=100`)).json();
      return page.data.length === tasks.length ? page.data : null;
    },
    10_000,
    "every outcome",
  );
  expect(done.every((t: { attempts: number }) => t.attempts === 1)).toBe(true);
});

it("each key is its own object and database", async () => {
  const [a, b] = [uniq("a"), uniq("b")];
  const created = await (await post(`/queues/${a}/sokka/tasks`, { topic: "other", data: {} })).json();
  expect((await fetch(`${wd.base}/queues/${a}/sokka/tasks/${created.taskId}`)).status).toBe(200);
  expect((await fetch(`${wd.base}/queues/${b}/sokka/tasks/${created.taskId}`)).status).toBe(404);
  expect((await fetch(`${wd.base}/elsewhere`)).status).toBe(404);
});

it("nextWakeAt is the earliest due task, lease expiry or schedule slot; ensureAlarm sets it, or keeps an earlier alarm", async () => {
  const r = await (await post(`/probe/${uniq("wake")}/wake`, {})).json();
  expect(r).toEqual({
    fresh: null, // no store opened in this object yet: nothing due
    later: 0, // a task with runAt
    sooner: 0, // a sooner one of another topic
    onlyLater: 0, // only the topics asked about
    noTopic: null,
    pausedSooner: 0, // a paused topic adds nothing
    dueNow: true, // a task due now
    lease: 0, // once it runs: when its lease expires
    slot: 0, // a schedule's next slot
    ensured: 0,
    alarm: 0,
    keptEarlier: 0,
  });
});

for (const mode of ["concurrent", "sequential"]) {
  it(`an alarm delivered twice (${mode}) runs its task once`, async () => {
    const r = await (await post(`/probe/${uniq("double")}/double-alarm?mode=${mode}`, {})).json();
    expect(r.runs).toBe(1);
    expect(r.first.drains.once).toMatchObject({ reserved: 1, completed: 1 });
    expect(r.second.drains.once).toMatchObject({ reserved: 0, completed: 0 });
    if (mode === "concurrent") expect(r.second.during).toMatchObject({ status: "running", attempts: 1 });
    expect(r.after).toMatchObject({ status: "terminated", attempts: 1 });
    // nothing left to do: no alarm is set
    expect(r.alarm).toBeNull();
  });
}

it("workerd's retry of an alarm that failed while its task ran does not run the task again", async () => {
  const name = uniq("redeliver");
  const started = await (await post(`/probe/${name}/redelivery`, {})).json();
  const state = await waitFor(
    async () => {
      const s = await (await fetch(`${wd.base}/probe/${name}/redelivery`)).json();
      return s.task?.status === "terminated" ? s : null;
    },
    30_000,
    "the retried alarm and the task's end",
  );
  expect(state.task).toMatchObject({ taskId: started.taskId, status: "terminated", attempts: 1 });
  expect(state.runs).toBe(1);
  expect(state.deliveries.length).toBeGreaterThanOrEqual(2);
  expect(state.deliveries[1]).toMatchObject({ isRetry: true });
});

it("a write whose commit fails is refused and leaves nothing behind", async () => {
  const r = await (await post(`/probe/${uniq("commit")}/failing-commit`, {})).json();
  for (const [call, o] of Object.entries(r.refused) as [string, any][]) {
    if (call === "http" || call === "drain") continue;
    expect({ call, acked: o.acked, type: o.type, code: o.code }).toEqual({
      call,
      acked: false,
      type: "unavailable",
      code: "store-unavailable",
    });
    expect(o.message).not.toMatch(/SQLITE_|disk is full/);
  }
  expect(r.refused.http.status).toBe(503);
  const byId = Object.fromEntries(r.stored.map((t: any) => [t.taskId, t]));
  expect(Object.keys(byId).sort()).toEqual(["drained", "held", "seed"]);
  // the drain's completion did not commit: the task is not done, and the drain did not count it so
  expect(r.refused.drain.value).toMatchObject({ reserved: 1, completed: 0 });
  expect(byId.drained.status).toBe("running");
  expect(byId.seed).toMatchObject({ status: "starting", attempts: 0 });
  // the refused terminate left the reservation as it was
  expect(byId.held).toMatchObject({ status: "running", pid: "p1", leaseId: r.reserved.leaseId });
});
