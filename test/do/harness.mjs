// The Worker test/do/durable-object.test.ts runs in workerd: the Durable Object example
// (examples/cloudflare/durable-object.ts: its TaskQueue objects and its routing fetch), and a
// probe object for what a test must reach inside an object:
//   POST /probe/<name>/double-alarm?mode=concurrent|sequential
//                                       delivers the probe's alarm handler twice to one due task
//   POST /probe/<name>/redelivery       sets the alarm; its first delivery fails after its task
//                                       started, and workerd delivers it again
//   GET  /probe/<name>/redelivery       what the deliveries did
//   POST /probe/<name>/failing-commit   writes whose commit fails (an injected fault), then reads back
//   POST /probe/<name>/wake             nextWakeAt and ensureAlarm as tasks, leases, pauses and schedules come
import { createTaskQ, drain, drainOnAlarm, durableObjectSql, ensureAlarm, nextWakeAt, ok } from "../../mod.ts";
import { sokkaRoutes } from "../../src/http/mod.ts";
import example from "../../examples/cloudflare/durable-object.ts";

export { TaskQueue } from "../../examples/cloudflare/durable-object.ts";

/** Resolves once `check()` holds, polling (fails after `ms`). */
async function until(check, ms = 10_000, what = "condition") {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** An outcome of a call: its value, or the error's type, code and message. */
async function outcome(call) {
  try {
    const value = await call();
    return { acked: true, value };
  } catch (e) {
    return { acked: false, type: e?.type, code: e?.code, message: String(e?.message ?? e) };
  }
}

export class Probe {
  constructor(ctx) {
    this.ctx = ctx;
    this.driver = durableObjectSql(ctx.storage);
    this.redelivery = { deliveries: [], runs: 0, release: null, pending: null };
  }

  async fetch(request) {
    const url = new URL(request.url);
    const op = url.pathname.split("/")[3];
    if (op === "double-alarm") return Response.json(await this.doubleAlarm(url.searchParams.get("mode")));
    if (op === "redelivery" && request.method === "POST") return Response.json(await this.startRedelivery());
    if (op === "redelivery") return Response.json(await this.redeliveryState());
    if (op === "failing-commit") return Response.json(await this.failingCommit());
    if (op === "wake") return Response.json(await this.wake());
    return new Response("unknown probe", { status: 404 });
  }

  /** One due task, and the alarm handler (drainOnAlarm) delivered twice: at once, or one after the other. */
  async doubleAlarm(mode) {
    const taskq = createTaskQ({ driver: this.driver });
    const task = await taskq.createTask({ topic: "once", data: { mode } });
    const runs = [];
    let release;
    const gate = new Promise((r) => (release = r));
    const pfn = async (t) => {
      runs.push(t.taskId);
      if (mode === "concurrent") await gate; // the first delivery's task runs on while the second delivery drains
      return ok();
    };
    const alarm = () =>
      drainOnAlarm({ taskq, storage: this.ctx.storage, drains: [{ topic: "once", pfn, budgetMs: 10_000 }] });
    let first, second;
    if (mode === "concurrent") {
      const running = alarm();
      await until(() => runs.length === 1, 10_000, "the first delivery to start the task");
      const during = await taskq.task(task.taskId);
      second = await alarm();
      release();
      first = await running;
      second.during = during;
    } else {
      first = await alarm();
      second = await alarm();
    }
    return {
      runs: runs.length,
      first,
      second,
      after: await taskq.task(task.taskId),
      alarm: await this.ctx.storage.getAlarm(),
    };
  }

  /** A due task and the alarm set; the alarm's first delivery throws once its task runs, so workerd retries it. */
  async startRedelivery() {
    const taskq = (this.taskq ??= createTaskQ({ driver: this.driver }));
    const task = await taskq.createTask({ topic: "redeliver" });
    this.redelivery.taskId = task.taskId;
    this.redelivery.gate = new Promise((r) => (this.redelivery.release = r));
    await this.ctx.storage.setAlarm(Date.now());
    return { taskId: task.taskId };
  }

  async redeliveryState() {
    const r = this.redelivery;
    return { deliveries: r.deliveries, runs: r.runs, task: r.taskId ? await this.taskq.task(r.taskId) : null };
  }

  async alarm(info) {
    const r = this.redelivery;
    r.deliveries.push({ retryCount: info?.retryCount ?? 0, isRetry: info?.isRetry ?? false });
    const run = () =>
      drainOnAlarm({
        taskq: this.taskq,
        storage: this.ctx.storage,
        drains: [{
          topic: "redeliver",
          budgetMs: 20_000,
          pfn: async () => {
            r.runs++;
            await r.gate;
            return ok();
          },
        }],
      });
    if (r.deliveries.length === 1) {
      r.pending = run();
      await until(() => r.runs === 1, 10_000, "the task to start");
      throw new Error("the first delivery fails while its task runs (workerd delivers the alarm again)");
    }
    await run(); // its task is running under a valid lease: this delivery must not take it
    r.release();
    await r.pending;
  }

  /** Writes whose transaction fails at its end (rolled back), through the store and its routes; then what is stored. */
  async failingCommit() {
    const storage = this.ctx.storage;
    let failing = false;
    const faulty = {
      sql: storage.sql,
      transactionSync: (fn) =>
        storage.transactionSync(() => {
          const result = fn();
          // the statements ran; the commit fails, so the object's SQLite rolls all of them back
          if (failing) throw new Error("database or disk is full: SQLITE_FULL");
          return result;
        }),
    };
    const taskq = createTaskQ({ driver: durableObjectSql(faulty) });
    const app = sokkaRoutes({ taskq });
    const seed = await taskq.createTask({ topic: "fc", taskId: "seed" });
    const held = await taskq.createTask({ topic: "fc-held", taskId: "held" });
    const reserved = await taskq.reserveTask("fc-held", "p1");
    failing = true;
    const res = await app.request("/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "fc", taskId: "via-http" }),
    });
    const refused = {
      createTask: await outcome(() => taskq.createTask({ topic: "fc", taskId: "new" })),
      createTasks: await outcome(() => taskq.createTasks([{ topic: "fc", taskId: "a" }, { topic: "fc", taskId: "b" }])),
      reserveTask: await outcome(() => taskq.reserveTask("fc", "p2")),
      terminate: await outcome(() => taskq.terminate("held", "p1", { leaseId: reserved.leaseId })),
      http: { status: res.status, body: await res.json() },
    };
    // a drain whose task's outcome write fails: the task is not done, whatever the function returned
    failing = false;
    await taskq.createTask({ topic: "fc-drain", taskId: "drained" });
    refused.drain = await outcome(() =>
      drain({
        taskq,
        topic: "fc-drain",
        budgetMs: 5_000,
        pfn: () => {
          failing = true;
          return ok();
        },
      })
    );
    failing = false;
    const fresh = createTaskQ({ driver: durableObjectSql(storage) });
    const stored = (await fresh.listTasks({}, { limit: 100 })).data;
    return { seed, held, reserved, refused, stored };
  }
}

/** What nextWakeAt and ensureAlarm answer at each step (times relative to what each should be: 0 is right). */
Probe.prototype.wake = async function () {
  const storage = this.ctx.storage;
  const out = { fresh: nextWakeAt(storage) };
  const taskq = createTaskQ({ driver: this.driver });
  const now = Date.now();
  await taskq.createTask({ topic: "later", runAt: now + 60_000 });
  out.later = nextWakeAt(storage) - (now + 60_000);
  await taskq.createTask({ topic: "sooner", runAt: now + 30_000 });
  out.sooner = nextWakeAt(storage) - (now + 30_000);
  out.onlyLater = nextWakeAt(storage, { topics: ["later"] }) - (now + 60_000);
  out.noTopic = nextWakeAt(storage, { topics: ["none"] });
  await taskq.pauseTopic("sooner");
  out.pausedSooner = nextWakeAt(storage) - (now + 60_000);
  await taskq.createTask({ topic: "run", taskId: "r" });
  out.dueNow = nextWakeAt(storage) <= Date.now();
  const r = await taskq.reserveTask("run", "p", { leaseTimeMs: 10_000 });
  out.lease = nextWakeAt(storage) - r.leaseExpiresAt;
  const s = await taskq.schedule({ name: "s", cron: "0 0 * * *", topic: "sched" });
  out.slot = nextWakeAt(storage, { topics: ["sched"] }) - s.nextSlotAt;
  await storage.deleteAlarm();
  out.ensured = (await ensureAlarm(storage)) - r.leaseExpiresAt;
  out.alarm = (await storage.getAlarm()) - r.leaseExpiresAt;
  await storage.setAlarm(now + 1_000);
  out.keptEarlier = (await ensureAlarm(storage)) - (now + 1_000);
  await storage.deleteAlarm();
  return out;
};

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    const probe = /^\/probe\/([^/]+)\//.exec(url.pathname)?.[1];
    if (probe) return env.PROBES.get(env.PROBES.idFromName(probe)).fetch(request);
    return example.fetch(request, env, ctx);
  },
};
