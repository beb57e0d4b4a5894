/**
 * What is particular to the libSQL store: file settings, the busy database,
 * an injected client, and the lazily created, versioned schema.
 */
import { createClient, type InStatement } from "@libsql/client";
import { createClient as createWebClient } from "@libsql/client/web";
import { afterEach, expect, inject, it } from "vitest";
import { createTaskQ, type TaskDef, TaskError } from "../mod.ts";
import { SCHEMA_VERSION } from "../src/libsql/schema.ts";
import { fileDrivers, rawDb, rejection, tempDbUrl, waitFor } from "./helpers.ts";
import { rmSync } from "node:fs";

let db: ReturnType<typeof tempDbUrl>;
afterEach(() => db?.cleanup());

it.each(fileDrivers())(
  "a file database runs in WAL mode with the busy timeout and the durability settings (%s)",
  async (driver) => {
    db = tempDbUrl();
    const taskq = createTaskQ({ url: db.url, busyTimeoutMs: 250, driver });
    taskq.addEventListener("warning", (e) => e.preventDefault());
    await taskq.createTask({ topic: "t" });
    expect((await taskq.storeInfo()).driver).toBe(driver);
    const client = (taskq as unknown as { client: ReturnType<typeof createClient> }).client;
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.execute("PRAGMA busy_timeout")));
    expect(answers.map((a) => Number(Object.values(a.rows[0])[0]))).toEqual(Array(20).fill(250));
    const mode = await client.execute("PRAGMA journal_mode");
    expect(Object.values(mode.rows[0])[0]).toBe("wal");
    const sync = await Promise.all(Array.from({ length: 5 }, () => client.execute("PRAGMA synchronous")));
    expect(sync.map((a) => Number(Object.values(a.rows[0])[0]))).toEqual(Array(5).fill(1)); // NORMAL
    // the WAL is copied back every 8,000 pages, not SQLite's 1,000 (each copy syncs the file)
    const checkpoint = await client.execute("PRAGMA wal_autocheckpoint");
    expect(Number(Object.values(checkpoint.rows[0])[0])).toBe(8_000);
    await taskq.close();
    // durability "full": an fsync per commit
    const full = createTaskQ({ url: db.url, durability: "full", driver });
    full.addEventListener("warning", (e) => e.preventDefault());
    await full.createTask({ topic: "t" });
    const fullSync = await (full as unknown as { client: ReturnType<typeof createClient> }).client.execute(
      "PRAGMA synchronous",
    );
    expect(Number(Object.values(fullSync.rows[0])[0])).toBe(2); // FULL
    await full.close();
  },
);

it("a database held locked by another connection gives unavailable/store-unavailable, writes nothing, then recovers", async () => {
  db = tempDbUrl();
  const taskq = createTaskQ({ url: db.url, busyTimeoutMs: 10, busyRetryMs: 200 });
  await taskq.createTask({ topic: "t", taskId: "before" });
  const locker = await rawDb(db.url);
  await locker.execute("BEGIN IMMEDIATE"); // holds the write lock
  await locker.execute("UPDATE sokka_tasks SET task_description = 'locked' WHERE task_id = 'before'");
  const e = await rejection(taskq.createTask({ topic: "t", taskId: "during" }));
  expect(e).toBeInstanceOf(TaskError);
  expect([e.type, e.code]).toEqual(["unavailable", "store-unavailable"]);
  expect(e.message).toMatch(/locked by another writer/);
  expect(e.message).not.toMatch(/SQLITE_|database is locked/); // the store's words, not the driver's
  expect(e.cause.code).toBe("SQLITE_BUSY");
  await locker.execute("ROLLBACK");
  locker.close();
  expect(await taskq.task("during")).toBeNull();
  expect((await taskq.createTask({ topic: "t", taskId: "after" })).taskId).toBe("after");
  await taskq.close();
});

/** A store on a new temp file with `first` created, and a raw client on the same file (to write past the store). */
async function storeWithRaw(first: TaskDef) {
  db = tempDbUrl();
  const taskq = createTaskQ({ url: db.url });
  await taskq.createTask(first);
  return { taskq, raw: await rawDb(db.url) };
}

it("the schema refuses, from any writer, a status that is not one of the seven", async () => {
  const { taskq, raw } = await storeWithRaw({ topic: "t", taskId: "a" });
  for (const status of ["starting", "running", "snoozed", "held", "failed", "terminated", "cancelled"]) {
    await raw.execute({ sql: "UPDATE sokka_tasks SET status = ? WHERE task_id = 'a'", args: [status] });
  }
  for (const status of ["done", "", "Running"]) {
    const e = await rejection(
      raw.execute({ sql: "UPDATE sokka_tasks SET status = ? WHERE task_id = 'a'", args: [status] }),
    );
    expect(String(e.message)).toMatch(/CHECK constraint failed/);
  }
  expect((await taskq.task("a"))!.status).toBe("cancelled");
  raw.close();
  await taskq.close();
});

it("createTasks reports a constraint other than an existing id as it is, not as task-already-exists", async () => {
  const { taskq, raw } = await storeWithRaw({ topic: "t", taskId: "a" });
  // fault injection: a constraint the store does not know of, raised by the second row
  await raw.execute(
    "CREATE TRIGGER refuse_boom BEFORE INSERT ON sokka_tasks WHEN NEW.topic = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END",
  );
  for (const defs of [[{ topic: "t" }, { topic: "boom" }], [{ topic: "t", taskId: "b" }, { topic: "boom" }]]) {
    const e = await rejection(taskq.createTasks(defs));
    expect(e).toBeInstanceOf(TaskError);
    expect(e.code).not.toBe("task-already-exists");
    expect(e.message).toMatch(/boom refused/);
  }
  // an existing id is still the conflict it was
  const e = await rejection(taskq.createTasks([{ topic: "t", taskId: "a" }, { topic: "t" }]));
  expect([e.type, e.code]).toEqual(["conflict", "task-already-exists"]);
  expect(e.message).toContain("a already exist");
  expect(await taskq.countTasks()).toBe(1);
  raw.close();
  await taskq.close();
});

it("a task's own group is stored as NULL, and the schema refuses its id as a second copy", async () => {
  const { taskq, raw } = await storeWithRaw({ topic: "t", taskId: "a", taskGroupId: "a" });
  await taskq.createTasks([{ topic: "t", taskId: "b" }, { topic: "t", taskId: "c", taskGroupId: "a" }]);
  const groups = await raw.execute("SELECT task_id, task_group_id FROM sokka_tasks ORDER BY task_id");
  expect(groups.rows.map((r) => [r.task_id, r.task_group_id])).toEqual([["a", null], ["b", null], ["c", "a"]]);
  const e = await rejection(raw.execute("UPDATE sokka_tasks SET task_group_id = task_id WHERE task_id = 'c'"));
  expect(String(e.message)).toMatch(/CHECK constraint failed/);
  expect((await taskq.tasks("a")).map((t) => [t.taskId, t.taskGroupId])).toEqual([["a", "a"], ["c", "a"]]);
  raw.close();
  await taskq.close();
});

it("an injected client is used as is and is not closed by close()", async () => {
  db = tempDbUrl();
  const client = createClient({ url: db.url });
  const taskq = createTaskQ({ client, url: "file:/nonexistent/ignored.db" });
  const t = await taskq.createTask({ topic: "t" });
  await taskq.close();
  const rs = await client.execute({ sql: "SELECT count(*) AS n FROM sokka_tasks WHERE task_id = ?", args: [t.taskId] });
  expect(Number(rs.rows[0].n)).toBe(1);
  client.close();
});

it("the schema is created lazily, once, even when several stores open a new database at once", async () => {
  db = tempDbUrl();
  const stores = Array.from({ length: 5 }, () => createTaskQ({ url: db.url }));
  await Promise.all(stores.map((s, i) => s.createTask({ topic: "t", data: i })));
  const check = await rawDb(db.url);
  const version = await check.execute("SELECT version FROM sokka_schema");
  expect(version.rows.map((r) => Number(r.version))).toEqual([SCHEMA_VERSION]);
  expect(Number((await check.execute("SELECT count(*) AS n FROM sokka_tasks")).rows[0].n)).toBe(5);
  check.close();
  await Promise.all(stores.map((s) => s.close()));
});

it("refuses a database whose schema is newer than this code, without touching it", async () => {
  db = tempDbUrl();
  const setup = await rawDb(db.url);
  await setup.execute("CREATE TABLE sokka_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  await setup.execute({ sql: "INSERT INTO sokka_schema VALUES (1, ?)", args: [SCHEMA_VERSION + 1] });
  const taskq = createTaskQ({ url: db.url });
  const e = await rejection(taskq.createTask({ topic: "t" }));
  expect(e).toBeInstanceOf(TaskError);
  expect(e.message).toMatch(/newer than this sokka/);
  expect((await setup.execute("SELECT name FROM sqlite_master WHERE name = 'sokka_tasks'")).rows.length).toBe(0);
  setup.close();
  await taskq.close();
});

it("refuses bad options with a TaskError", () => {
  for (const bad of [{ leaseTimeMs: 0 }, { url: "" }, { maxDataBytes: -1 }, { durability: "fast" }, { client: {} }]) {
    let err: unknown;
    try {
      createTaskQ(bad as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).code).toBe("invalid-options");
  }
  let err: unknown;
  try {
    createTaskQ({ url: "nope://x" });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TaskError);
  expect((err as TaskError).code).toBe("invalid-options");
  expect((err as TaskError).message).toMatch(/^createTaskQ: url nope:\/\/x cannot be opened/);
});

it("a bare path as the url is refused with the file: URL it means", async () => {
  for (const path of ["tasks.db", "./data/tasks.db", "/var/lib/tasks.db"]) {
    const e = await Promise.resolve().then(() => createTaskQ({ url: path }).countTasks()).catch((x) => x);
    expect(e).toBeInstanceOf(TaskError);
    expect((e as TaskError).message).toBe(
      `createTaskQ: url ${path} cannot be opened: it is not a valid database URL (a file is file:${path})`,
    );
  }
});

it("a misspelt option is refused by name, with the closest known one (not silently the default ./sokka.db)", () => {
  let err: unknown;
  try {
    createTaskQ({ urll: "file:mine.db" } as never);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TaskError);
  expect((err as TaskError).code).toBe("invalid-options");
  expect((err as TaskError).message).toContain('urll is not a field of createTaskQ options (did you mean "url"?)');
});

it("a loop of awaited statements still lets the event loop turn (the embedded driver frees statements only then)", async () => {
  // The embedded driver answers without real I/O, so `await` after `await` runs in microtasks only;
  // a timer set before the loop fires during it only if the store yields a macrotask now and then.
  const taskq = createTaskQ({ url: ":memory:" });
  let fired = 0;
  let firedDuringLoop = 0;
  let looping = true;
  const tick = () => {
    fired++;
    if (looping) firedDuringLoop++;
  };
  setTimeout(tick, 0);
  // the native driver yields with setImmediate (Node-API finalizers run in that phase): one set before the
  // loop fires during it too, and more than once per 2,000 creates
  let immediates = 0;
  const again = () => {
    if (!looping) return;
    immediates++;
    setImmediate(again);
  };
  setImmediate(again);
  for (let i = 0; i < 2000; i++) await taskq.createTask({ topic: "turns" });
  looping = false;
  expect(firedDuringLoop).toBe(1);
  expect(fired).toBe(1);
  expect(immediates).toBeGreaterThanOrEqual(10);
  await taskq.close();
});

it("a store on a libSQL server keeps at most 2 write requests in flight (sqld can stall under many)", async () => {
  const real = createWebClient({ url: inject("remoteUrl") });
  let inFlight = 0;
  let most = 0;
  const watch = async <T>(write: boolean, op: () => Promise<T>): Promise<T> => {
    if (write) most = Math.max(most, ++inFlight);
    try {
      return await op();
    } finally {
      if (write) inFlight--;
    }
  };
  // the real client, with its calls counted on the way through
  const client = new Proxy(real, {
    get(target, key) {
      if (key === "execute") {
        return (stmt: InStatement) =>
          watch(
            /^\s*(UPDATE|INSERT|DELETE)/i.test(typeof stmt === "string" ? stmt : stmt.sql),
            () => target.execute(stmt),
          );
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const taskq = createTaskQ({ client });
  const topic = `gate-${Date.now()}`;
  await taskq.createTasks(Array.from({ length: 20 }, () => ({ topic })));
  const got = await Promise.all(Array.from({ length: 30 }, (_, i) => taskq.reserveTask(topic, `p${i}`)));
  expect(got.filter(Boolean).length).toBe(20);
  expect(most).toBe(2);
  await taskq.close();
  real.close();
});

it("a database file deleted under a running store is noticed: its calls then reject with store-unavailable", async () => {
  db = tempDbUrl();
  const taskq = createTaskQ({ url: db.url });
  await taskq.createTask({ topic: "t", taskId: "before" });
  for (const suffix of ["", "-wal", "-shm"]) rmSync(db.path + suffix, { force: true });
  // checked at most once a second: within that second a write still lands in the deleted file
  const e = await waitFor(() => taskq.createTask({ topic: "t" }).then(() => null, (err) => err), 5_000, "a refusal");
  expect(e).toBeInstanceOf(TaskError);
  expect([e.type, e.code]).toEqual(["unavailable", "store-unavailable"]);
  expect(e.message).toMatch(/the database file was deleted or replaced since the store opened it/);
  // every read too, batched ones included (a listing over several statuses, a page of topics), in the store's words
  for (const read of [() => taskq.task("before"), () => taskq.listTasks({}), () => taskq.topicPage()]) {
    const r = await rejection(read());
    expect([r.constructor.name, r.code]).toEqual(["TaskError", "store-unavailable"]);
    expect(r.message).not.toMatch(/SQLITE_/);
  }
  await taskq.close();
});
