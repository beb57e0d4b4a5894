/**
 * Completing a task in the caller's own atomic batch (`completeBatch`) and
 * the sync libraries' form of both batch operations (`runStatementsSync`):
 * while the lease holds, the caller's rows and `terminated` commit together;
 * once it is lost (handed back, expired by the database clock, reserved
 * again by another pid), the batch fails, the caller's rows are not written
 * and the task is unchanged. On `file:` and sqld, and in a worker whose
 * function returns `committed()`.
 */
import { type Client, createClient } from "@libsql/client";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  committed,
  completeBatch,
  createTaskQ,
  enqueueBatch,
  ok,
  runStatementsSync,
  type SyncDatabase,
  type Task,
  type TaskQ,
  worker,
} from "../mod.ts";
import { toOutcome } from "../src/worker/outcome.ts";
import { currentRuntime } from "../src/drivers/select.ts";
import { filePath } from "../src/libsql/file-driver.ts";
import { rejection, storeOn, tempDbUrl, uniq, waitFor } from "./helpers.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TARGETS: { name: string; make(): Promise<{ taskq: TaskQ; client: Client }> }[] = [
  {
    name: "file: (@libsql/client beside the store)",
    async make() {
      const db = tempDbUrl();
      const taskq = storeOn(db.url, "libsql");
      const client = createClient({ url: db.url });
      cleanups.push(async () => {
        client.close();
        await taskq.close();
        db.cleanup();
      });
      await taskq.storeInfo();
      return { taskq, client };
    },
  },
  {
    name: "sqld",
    async make() {
      const url = inject("remoteUrl");
      const taskq = createTaskQ({ url, authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
      const client = createClient({ url, authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
      cleanups.push(async () => {
        client.close();
        await taskq.close();
      });
      await taskq.storeInfo();
      return { taskq, client };
    },
  },
];

async function userTable(run: (sql: string) => unknown): Promise<string> {
  const table = uniq("done").replace(/-/g, "_");
  await run(`CREATE TABLE ${table} (id TEXT PRIMARY KEY)`);
  return table;
}

/** The database clock (ms), as the lease guard judges expiry. */
async function dbNow(client: Client): Promise<number> {
  return Number((await client.execute("SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS now")).rows[0].now);
}

describe.each(TARGETS)("completeBatch: $name", (target) => {
  it("while the lease holds, the caller's row and `terminated` (with its result) commit together", async () => {
    const { taskq, client } = await target.make();
    const table = await userTable((sql) => client.execute(sql));
    const topic = uniq("cb");
    await taskq.createTask({ topic });
    const r = (await taskq.reserveTask(topic, "p1"))!;
    const done = completeBatch(taskq, r, { paid: true });
    await client.batch(
      [...done.statements, { sql: `INSERT INTO ${table} (id) VALUES (?)`, args: [r.taskId] }],
      "write",
    );
    expect(await taskq.task(r.taskId)).toMatchObject({
      status: "terminated",
      result: { paid: true },
      recordVer: r.recordVer + 1,
      leaseId: null,
    });
    expect((await client.execute(`SELECT id FROM ${table}`)).rows.map((x) => x.id)).toEqual([r.taskId]);
  });

  it("a lost lease (handed back, expired, reserved again) fails the batch: the caller's row is not written, the task unchanged", async () => {
    const { taskq, client } = await target.make();
    const table = await userTable((sql) => client.execute(sql));
    const topic = uniq("cb");
    const mine = (id: string) => ({ sql: `INSERT INTO ${table} (id) VALUES (?)`, args: [id] });
    const lost = async (task: Task) => {
      const before = await taskq.task(task.taskId);
      // the caller's statement first: the guard aborts the whole batch whatever the order
      const e = await rejection(client.batch([mine(task.taskId), ...completeBatch(taskq, task).statements], "write"));
      expect(e.message).toContain(`sokka: lease lost: task ${task.taskId}`);
      expect(await taskq.task(task.taskId)).toEqual(before);
    };

    // handed back
    await taskq.createTask({ topic });
    const a = (await taskq.reserveTask(topic, "p1"))!;
    await taskq.revokeLease(a.taskId, a.recordVer);
    await lost(a);
    // reserved again, by another pid
    const again = (await taskq.reserveTask(topic, "p2"))!;
    expect(again.taskId).toBe(a.taskId);
    await lost(a);
    // its lease ran out (by the database clock), nobody took it yet
    const b = await taskq.createTask({ topic: uniq("cb") });
    const short = (await taskq.reserveTask(b.topic, "p1", { leaseTimeMs: 1 }))!;
    await waitFor(async () => (await dbNow(client)) > short.leaseExpiresAt!, 10_000, "the lease to expire");
    await lost(short);
    expect((await client.execute(`SELECT id FROM ${table}`)).rows).toEqual([]);
    // the new owner can still complete it this way
    await client.batch([mine(again.taskId), ...completeBatch(taskq, again).statements], "write");
    expect(await taskq.task(again.taskId)).toMatchObject({ status: "terminated", lastPid: "p2" });
  });

  it("refuses a task that was not reserved, and a result too large, by name, before anything runs", async () => {
    const { taskq } = await target.make();
    const t = await taskq.createTask({ topic: uniq("cb") });
    expect(() => completeBatch(taskq, t)).toThrow(
      expect.objectContaining({ code: "invalid-task", issues: [expect.objectContaining({ path: "task.pid" })] }),
    );
    const r = (await taskq.reserveTask(t.topic, "p"))!;
    expect(() => completeBatch(taskq, r, "x".repeat(2_000_000))).toThrow(
      expect.objectContaining({ code: "data-too-large" }),
    );
  });

  it("a worker whose function completes its task in its own batch and returns committed()", async () => {
    const { taskq, client } = await target.make();
    const table = await userTable((sql) => client.execute(sql));
    const topic = uniq("cb");
    const completed: Task[] = [];
    const lost: unknown[] = [];
    const w = worker({
      taskq,
      topic,
      concurrency: 2,
      pfn: async (task) => {
        const done = completeBatch(taskq, task, { by: "batch" });
        await client.batch([{ sql: `INSERT INTO ${table} (id) VALUES (?)`, args: [task.taskId] }, ...done.statements]);
        return task.data === "ok-too" ? ok() : committed();
      },
    });
    w.addEventListener("completed", (e) => completed.push(e.detail));
    w.addEventListener("lease-lost", (e) => lost.push(e.detail));
    cleanups.push(() => w.stop());
    const tasks = await taskq.createTasks([{ topic }, { topic }, { topic, data: "ok-too" }]);
    await waitFor(() => completed.length === 2 && lost.length === 1, 30_000, "the three to end");
    for (const t of tasks) {
      expect(await taskq.task(t.taskId)).toMatchObject({ status: "terminated", result: { by: "batch" } });
    }
    expect((await client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0].n).toBe(3);
    // ok() after completeBatch tries to complete it again: refused, shown as a lost lease, nothing changed
    expect(completed.map((t) => t.taskId).sort()).toEqual(tasks.slice(0, 2).map((t) => t.taskId).sort());
  });
});

describe("committed()", () => {
  it("is an outcome toOutcome reads, with no fields", () => {
    expect(toOutcome({ event: "committed" })).toEqual(committed());
    expect(toOutcome({ event: "committed", result: 1 })).toMatchObject({ event: "failed" });
  });
});

/** The runtime's own synchronous SQLite library on `path`, and its transaction (the store uses the same one). */
async function syncDb(path: string): Promise<{ db: SyncDatabase & { close(): void }; tx<T>(fn: () => T): T }> {
  const runtime = currentRuntime();
  const name = runtime === "bun" ? "bun:sqlite" : runtime === "deno" ? "node:sqlite" : "better-sqlite3";
  const mod = await import(name);
  if (name === "better-sqlite3") {
    const db = new mod.default(path);
    db.pragma("busy_timeout = 5000");
    return { db, tx: (fn) => db.transaction(fn)() };
  }
  const db = name === "bun:sqlite" ? new mod.Database(path) : new mod.DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000");
  return {
    db: { prepare: (sql: string) => db.prepare(sql), close: () => db.close() },
    tx: (fn) => {
      db.exec("BEGIN IMMEDIATE");
      try {
        const out = fn();
        db.exec("COMMIT");
        return out;
      } catch (e) {
        db.exec("ROLLBACK");
        throw e;
      }
    },
  };
}

describe("a synchronous library's own transaction (runStatementsSync)", () => {
  it("enqueueBatch and completeBatch commit with the caller's rows, or roll back with them", async () => {
    const file = tempDbUrl();
    const taskq = createTaskQ({ url: file.url });
    await taskq.storeInfo();
    const { db, tx } = await syncDb(filePath(file.url));
    cleanups.push(async () => {
      db.close();
      await taskq.close();
      file.cleanup();
    });
    const table = await userTable((sql) => db.prepare(sql).run());
    const mine = (id: string) => db.prepare(`INSERT INTO ${table} (id) VALUES (?)`).run(id);
    const topic = uniq("sync");

    const one = enqueueBatch(taskq, { topic, data: { n: 1 } });
    const many = enqueueBatch(taskq, [{ topic }, { topic, ref: "x" }, { topic, dependsOn: [{ ref: "x" }] }]);
    const made = tx(() => {
      mine("o1");
      return {
        one: one.read(runStatementsSync(db, one.statements)),
        many: many.read(runStatementsSync(db, many.statements)),
      };
    });
    for (const t of [made.one.task, ...made.many.tasks]) expect(await taskq.task(t.taskId)).toEqual(t);

    const rolledBack = enqueueBatch(taskq, { topic });
    expect(() =>
      tx(() => {
        runStatementsSync(db, rolledBack.statements);
        mine("o1"); // exists: the caller's own statement fails
      })
    ).toThrow();
    expect((await taskq.listTasks({ topic })).data).toHaveLength(4);

    const r = (await taskq.reserveTask(topic, "p"))!;
    tx(() => {
      runStatementsSync(db, completeBatch(taskq, r, 42).statements);
      mine("o2");
    });
    expect(await taskq.task(r.taskId)).toMatchObject({ status: "terminated", result: 42 });
    expect(() =>
      tx(() => {
        mine("o3");
        runStatementsSync(db, completeBatch(taskq, r).statements);
      })
    ).toThrow(`sokka: lease lost: task ${r.taskId}`);
    expect(db.prepare(`SELECT id FROM ${table} ORDER BY id`).all()).toEqual([{ id: "o1" }, { id: "o2" }]);
  });
});
