/**
 * Enqueue in the caller's own transaction (`enqueueTx`) and atomic batch
 * (`enqueueBatch`), on a `file:` database through a `@libsql/client` client
 * beside the store (the store on the same SQLite library, `libsql`: never two
 * libraries on one file in one process) and on sqld: a task exists only if
 * the caller's transaction commits; refusals are the store's own; and the
 * caller's `notifyCommitted` wakes this process's waiters, while another
 * process on the file notices the commit by itself. Every waiter's fallback
 * is a minute away, so a wake-up inside a test's deadline proves the signal.
 */
import { type Client, createClient } from "@libsql/client";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  createTaskQ,
  enqueueBatch,
  type Enqueued,
  enqueueTx,
  notifyCommitted,
  ok,
  type Task,
  TaskError,
  type TaskQ,
  worker,
} from "../mod.ts";
import type { Statement } from "../src/drivers/driver.ts";
import { NEXT_READY } from "../src/libsql/statements/reserve.ts";
import { rejection, storeOn, tempDbUrl, uniq, waitFor } from "./helpers.ts";
import { spawnFixture } from "./processes.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A store, the caller's own client on its database, and a count of the store's waiters' looks. */
interface Setup {
  taskq: TaskQ;
  client: Client;
  /** The `file:` URL (none for sqld). */
  url?: string;
  looks(): number;
}

/** Counts the store's looks at the next due time (a wait's own look: after it, only a wake-up ends the wait). */
function counting(conn: { execute(stmt: Statement): Promise<unknown> }): () => number {
  const execute = conn.execute.bind(conn);
  let looks = 0;
  conn.execute = async (stmt) => {
    const rs = await execute(stmt);
    if ((typeof stmt === "string" ? stmt : stmt.sql) === NEXT_READY) looks++;
    return rs;
  };
  return () => looks;
}

const TARGETS: { name: string; make(): Promise<Setup> }[] = [
  {
    name: "file: (@libsql/client beside the store)",
    async make() {
      const db = tempDbUrl();
      // the change signal is polled once a minute: only notifyCommitted wakes this process's waiters in time
      const taskq = storeOn(db.url, "libsql", { changePollMs: 60_000 });
      const client = createClient({ url: db.url });
      cleanups.push(async () => {
        client.close();
        await taskq.close();
        db.cleanup();
      });
      const looks = counting((taskq as unknown as { client: { execute(s: Statement): Promise<unknown> } }).client);
      await taskq.storeInfo(); // the schema exists before the first transaction
      return { taskq, client, url: db.url, looks };
    },
  },
  {
    name: "sqld",
    async make() {
      const url = inject("remoteUrl");
      const own = createClient({ url, authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
      const looks = counting(own as unknown as { execute(s: Statement): Promise<unknown> });
      const taskq = createTaskQ({ client: own });
      const client = createClient({ url, authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
      cleanups.push(async () => {
        client.close();
        await taskq.close();
        own.close();
      });
      await taskq.storeInfo();
      return { taskq, client, looks };
    },
  },
];

/** The caller's own table (a fresh one per test: sqld's database is shared). */
async function userTable(client: Client): Promise<string> {
  const table = uniq("orders").replace(/-/g, "_");
  await client.execute(`CREATE TABLE ${table} (id TEXT PRIMARY KEY)`);
  return table;
}

async function rows(client: Client, table: string): Promise<string[]> {
  return (await client.execute(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => String(r.id));
}

/** A waiter on `topic` whose own look is done: from then on only a wake-up (or its deadline) ends it. */
async function waiting(s: Setup, topic: string, timeoutMs = 60_000): Promise<{ woken: Promise<boolean> }> {
  const before = s.looks();
  const woken = s.taskq.waitForTask(topic, { timeoutMs });
  await waitFor(() => s.looks() > before, 30_000, "the wait's own look");
  return { woken };
}

describe.each(TARGETS)("enqueue in the caller's transaction: $name", (target) => {
  it("enqueueTx: the task exists once the transaction commits, as enqueue answers it, and wakes on notifyCommitted", async () => {
    const s = await target.make();
    const table = await userTable(s.client);
    const topic = uniq("tx");
    const { woken } = await waiting(s, topic);
    const tx = await s.client.transaction("write");
    let made;
    try {
      await tx.execute({ sql: `INSERT INTO ${table} (id) VALUES (?)`, args: ["o1"] });
      made = await enqueueTx(s.taskq, tx, { topic, data: { order: "o1" }, priority: 2 });
      await tx.commit();
    } finally {
      tx.close();
    }
    notifyCommitted(s.taskq, made);
    expect(await woken).toBe(true);
    expect(made.deduplicated).toBe(false);
    expect(made.task).toMatchObject({ topic, status: "starting", data: { order: "o1" }, priority: 2, recordVer: 1 });
    expect(await s.taskq.task(made.task.taskId)).toEqual(made.task);
    expect(await rows(s.client, table)).toEqual(["o1"]);
    expect(await s.taskq.reserveTask(topic, "p")).toMatchObject({ taskId: made.task.taskId });
  });

  it("enqueueTx: a rollback leaves no task and wakes nobody", async () => {
    const s = await target.make();
    const table = await userTable(s.client);
    const topic = uniq("tx");
    const { woken } = await waiting(s, topic, 1_500);
    const tx = await s.client.transaction("write");
    await tx.execute({ sql: `INSERT INTO ${table} (id) VALUES (?)`, args: ["o1"] });
    const { task } = await enqueueTx(s.taskq, tx, { topic, taskId: uniq("id") });
    const { tasks } = await enqueueTx(s.taskq, tx, [{ topic }, { topic, dependsOn: [task.taskId] }]);
    await tx.rollback();
    tx.close();
    expect(await woken).toBe(false); // at its own deadline
    for (const t of [task, ...tasks]) expect(await s.taskq.task(t.taskId)).toBeNull();
    expect(await rows(s.client, table)).toEqual([]);
  });

  it("enqueueTx of many: plain ones in one statement, a flow, and a unique key's holder answering", async () => {
    const s = await target.make();
    const topic = uniq("tx");
    const key = uniq("key");
    const held = await s.taskq.enqueue({ topic, uniqueKey: key });
    const tx = await s.client.transaction("write");
    let plain, flow;
    try {
      plain = await enqueueTx(s.taskq, tx, [{ topic, data: 1 }, { topic, data: 2 }]);
      flow = await enqueueTx(s.taskq, tx, [
        { topic, ref: "b", dependsOn: [{ ref: "a" }] },
        { topic, ref: "a" },
        { topic, uniqueKey: key },
      ]);
      await tx.commit();
    } finally {
      tx.close();
    }
    expect(plain.tasks.map((t) => t.data)).toEqual([1, 2]);
    expect(plain.deduplicated).toEqual([]);
    expect(flow.deduplicated).toEqual([2]);
    expect(flow.tasks[2].taskId).toBe(held.task.taskId);
    expect(flow.tasks[0]).toMatchObject({ status: "blocked", dependsOn: [{ taskId: flow.tasks[1].taskId }] });
    for (const t of [...plain.tasks, flow.tasks[0], flow.tasks[1]]) {
      expect(await s.taskq.task(t.taskId)).toMatchObject({ taskId: t.taskId, status: t.status });
    }
  });

  it("enqueueTx: a refused create rejects with the store's TaskError and leaves nothing of itself; the transaction goes on", async () => {
    const s = await target.make();
    const table = await userTable(s.client);
    const topic = uniq("tx");
    const existing = await s.taskq.createTask({ topic });
    const fresh = uniq("id");
    const tx = await s.client.transaction("write");
    try {
      await tx.execute({ sql: `INSERT INTO ${table} (id) VALUES (?)`, args: ["o1"] });
      const taken = await rejection(enqueueTx(s.taskq, tx, { topic, taskId: existing.taskId }));
      expect(taken).toMatchObject({ code: "task-already-exists" });
      const many = await rejection(
        enqueueTx(s.taskq, tx, [{ topic, taskId: fresh }, { topic, taskId: existing.taskId }]),
      );
      expect(many).toMatchObject({ code: "task-already-exists", issues: [{ path: "1.taskId" }] });
      const missing = uniq("gone");
      const dep = await rejection(
        enqueueTx(s.taskq, tx, [{ topic, taskId: fresh }, { topic, dependsOn: [missing] }]),
      );
      expect(dep).toBeInstanceOf(TaskError);
      expect(dep).toMatchObject({ code: "invalid-task", issues: [{ path: "1.dependsOn.0" }] });
      expect(dep.message).toContain(missing);
      await tx.commit();
    } finally {
      tx.close();
    }
    expect(await rows(s.client, table)).toEqual(["o1"]);
    expect(await s.taskq.task(fresh)).toBeNull();
    expect((await s.taskq.listTasks({ topic })).data.map((t) => t.taskId)).toEqual([existing.taskId]);
  });

  it("a bad definition throws a TaskError naming the field before anything runs", async () => {
    const s = await target.make();
    const tx = await s.client.transaction("write");
    try {
      expect(await rejection(enqueueTx(s.taskq, tx, { topic: "" }))).toMatchObject({
        code: "invalid-task",
        issues: [{ path: "topic" }],
      });
      // as enqueueMany names it: the definition's index in the message and `details.index`, its field in the issue
      expect(await rejection(enqueueTx(s.taskq, tx, [{ topic: "ok" }, { topic: 7 as never }]))).toMatchObject({
        code: "invalid-task",
        message: expect.stringContaining("createTasks [1]: topic"),
        details: { index: 1 },
        issues: [{ path: "topic" }],
      });
      expect(await rejection(enqueueTx(s.taskq, {} as never, { topic: "ok" }))).toMatchObject({
        code: "invalid-options",
        issues: [{ path: "tx" }],
      });
    } finally {
      tx.close();
    }
    expect(() => enqueueBatch(s.taskq, [{ topic: "ok" }, { topic: "" }])).toThrow(
      expect.objectContaining({ code: "invalid-task", details: { index: 1 } }),
    );
    expect(() => enqueueBatch(s.taskq, [{ topic: "ok", ref: "a" }, { topic: "ok", dependsOn: [{ ref: "b" }] }]))
      .toThrow(
        expect.objectContaining({ code: "invalid-task", issues: [expect.objectContaining({ path: "1.dependsOn.0" })] }),
      );
    expect(() => enqueueBatch(s.taskq, { topic: "ok", delayMs: 1, runAt: 5 })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: "delayMs" })] }),
    );
  });

  it("enqueueBatch: the tasks commit with the caller's rows in one batch, or neither does", async () => {
    const s = await target.make();
    const table = await userTable(s.client);
    const topic = uniq("tx");
    const { woken } = await waiting(s, topic);
    const one = enqueueBatch(s.taskq, { topic, data: "one" });
    const many = enqueueBatch(s.taskq, [{ topic, data: "a" }, { topic, data: "b", delayMs: 50 }]);
    const flow = enqueueBatch(s.taskq, [{ topic, ref: "x" }, { topic, dependsOn: [{ ref: "x" }] }]);
    const results = await s.client.batch([
      { sql: `INSERT INTO ${table} (id) VALUES (?)`, args: ["o1"] },
      ...one.statements,
      ...many.statements,
      ...flow.statements,
    ], "write");
    let at = 1;
    const slice = (n: number) => results.slice(at, at += n);
    const a = one.read(slice(one.statements.length));
    const b = many.read(slice(many.statements.length));
    const c = flow.read(slice(flow.statements.length));
    notifyCommitted(s.taskq, a);
    expect(await woken).toBe(true);
    expect(a).toMatchObject({ task: { topic, data: "one", status: "starting" }, deduplicated: false });
    expect(b.tasks.map((t) => t.data)).toEqual(["a", "b"]);
    expect(b.tasks[1].runAt).toBe(b.tasks[1].createdAt + 50);
    expect(c.tasks[1]).toMatchObject({ status: "blocked", dependsOn: [{ taskId: c.tasks[0].taskId }] });
    for (const t of [a.task, ...b.tasks, ...c.tasks]) expect(await s.taskq.task(t.taskId)).toEqual(t);
    expect(await rows(s.client, table)).toEqual(["o1"]);

    // an existing id fails its statement: the whole batch rolls back, the caller's row too
    const again = enqueueBatch(s.taskq, { topic, taskId: a.task.taskId });
    const fresh = enqueueBatch(s.taskq, [{ topic, taskId: uniq("id") }]);
    const e = await rejection(s.client.batch([
      { sql: `INSERT INTO ${table} (id) VALUES (?)`, args: ["o2"] },
      ...fresh.statements,
      ...again.statements,
    ], "write"));
    expect(String(e.code)).toMatch(/SQLITE_CONSTRAINT/);
    expect(await rows(s.client, table)).toEqual(["o1"]);
    expect((await s.taskq.listTasks({ topic }, { limit: 100 })).data).toHaveLength(5);
  });
});

describe("another process", () => {
  it("notices a task committed in the caller's transaction by itself (its change signal), never one rolled back", async () => {
    const s = await TARGETS[0].make();
    const topic = uniq("tx");
    const child = spawnFixture("tx-waiter.mjs", [s.url!, topic]);
    cleanups.push(() => child.kill());
    await child.printed("ready");
    const rolledBack = await s.client.transaction("write");
    await enqueueTx(s.taskq, rolledBack, { topic });
    await rolledBack.rollback();
    rolledBack.close();
    const tx = await s.client.transaction("write");
    const { task } = await enqueueTx(s.taskq, tx, { topic });
    await tx.commit();
    tx.close();
    await child.printed(`picked ${task.taskId}`);
    const { code, stdout } = await child.exit;
    expect(code).toBe(0);
    expect(stdout).not.toContain("woken, nothing");
  });

  it("on sqld (no change signal), a polling process picks up a task committed by enqueueBatch, never one rolled back", async () => {
    const s = await TARGETS[1].make();
    const topic = uniq("tx");
    const child = spawnFixture("tx-waiter.mjs", [inject("remoteUrl"), topic, "200"]);
    cleanups.push(() => child.kill());
    await child.printed("ready");
    const rolledBack = await s.client.transaction("write");
    await enqueueTx(s.taskq, rolledBack, { topic });
    await rolledBack.rollback();
    rolledBack.close();
    const batch = enqueueBatch(s.taskq, { topic });
    const { task } = batch.read(await s.client.batch(batch.statements, "write")) as Enqueued;
    await child.printed(`picked ${task.taskId}`);
    const { code, stdout } = await child.exit;
    expect(code).toBe(0);
    expect(stdout.match(/picked/g)).toHaveLength(1);
  });

  it("an idle worker in this process picks up a task of enqueueBatch once notified", async () => {
    const s = await TARGETS[0].make();
    const topic = uniq("tx");
    const done: Task[] = [];
    const w = worker({ taskq: s.taskq, topic, maxPollIntervalMs: 60_000, pfn: () => ok() });
    w.addEventListener("completed", (e) => done.push(e.detail));
    cleanups.push(() => w.stop());
    await waiting(s, uniq("settle"), 1); // let the worker start its first wait
    const batch = enqueueBatch(s.taskq, [{ topic }, { topic }]);
    const made = batch.read(await s.client.batch(batch.statements, "write"));
    notifyCommitted(s.taskq, made);
    await waitFor(() => done.length === 2, 30_000, "both tasks to complete");
    expect(done.map((t) => t.taskId).sort()).toEqual(made.tasks.map((t) => t.taskId).sort());
  });
});
