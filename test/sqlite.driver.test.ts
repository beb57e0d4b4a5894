/**
 * The store's embedded driver (src/libsql/sqlite-driver.ts) on every SQLite
 * library this runtime has (src/drivers/): statements kept prepared, rows by
 * column name, SQLite's base error codes, a failed batch rolled back, the
 * short-pause BEGIN, a write read to its end, a replaced file noticed. And
 * which library a `file:` store opens by default, with which SQLite; a
 * driver object given as `driver`.
 */
import { expandConfig } from "@libsql/core/config";
import { readdirSync, readlinkSync, rmSync } from "node:fs";
import { basename, dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "@libsql/client";
import { createTaskQ, type StoreDriver, TaskError } from "../mod.ts";
import { classifyDriverError } from "../src/libsql/driver-errors.ts";
import { type Driver, oneRow } from "../src/drivers/driver.ts";
import { filePath } from "../src/libsql/file-driver.ts";
import { SqliteDriver } from "../src/libsql/sqlite-driver.ts";
import type { SqliteDriverName, SqliteLibrary } from "../src/drivers/sqlite-library.ts";
import { positional } from "../src/libsql/sqlite-params.ts";
import { loadFileIdentity } from "../src/drivers/file-identity.ts";
import { chooseLibrary, currentRuntime, isPatched } from "../src/drivers/select.ts";
import { loadBetterSqlite3 } from "../src/drivers/better-sqlite3.ts";
import { loadNodeSqlite } from "../src/drivers/node-sqlite.ts";
import { loadBunSqlite } from "../src/drivers/bun-sqlite.ts";
import { loadLibsql } from "../src/drivers/libsql.ts";
import { driversWithout, fileDrivers, rejection, tempDbUrl } from "./helpers.ts";

const runtime = currentRuntime();

/** The libraries each runtime must have (a missing one fails the suite; none is skipped). */
const EXPECTED = fileDrivers();

/**
 * The default library here (see src/drivers/select.ts), and the SQLite it must carry: better-sqlite3 under Node,
 * node:sqlite where this run is without it on purpose (`npm run test:node22`), bun:sqlite, node:sqlite under Deno.
 */
const DEFAULT: SqliteDriverName = EXPECTED[0];

const loaders: Record<SqliteDriverName, () => Promise<SqliteLibrary | null>> = {
  "better-sqlite3": loadBetterSqlite3,
  "node:sqlite": loadNodeSqlite,
  "bun:sqlite": loadBunSqlite,
  libsql: loadLibsql,
};

let db: ReturnType<typeof tempDbUrl> | undefined;
afterEach(() => {
  db?.cleanup();
  db = undefined;
});

it(`${runtime} has the SQLite libraries it should: ${EXPECTED.join(", ")}`, async () => {
  const found: SqliteDriverName[] = [];
  for (const name of EXPECTED) if (await loaders[name]()) found.push(name);
  expect(found).toEqual(EXPECTED);
});

it.each(driversWithout())("this run is without %s, as it says: the library does not open here", async (name) => {
  // better-sqlite3 under a Node it was not built for: the package loads, its addon does not (NODE_MODULE_VERSION)
  const lib = await loaders[name]();
  expect(() => lib!.open(":memory:").close()).toThrow();
});

it(`a file: store opens ${DEFAULT} by default here, on a SQLite without the WAL-reset bug, with no warning`, async () => {
  db = tempDbUrl();
  for (const url of [db.url, ":memory:"]) {
    const taskq = createTaskQ({ url });
    const warnings: unknown[] = [];
    taskq.addEventListener("warning", (e) => warnings.push(e.detail));
    await taskq.createTask({ topic: "t" });
    const info = await taskq.storeInfo();
    expect(info.driver, url).toBe(DEFAULT);
    expect(isPatched(info.sqliteVersion), `${url}: SQLite ${info.sqliteVersion}`).toBe(true);
    const [major, minor, patch] = info.sqliteVersion.split(".").map(Number);
    expect(major * 1e6 + minor * 1e3 + patch, info.sqliteVersion).toBeGreaterThanOrEqual(3_051_003);
    expect(warnings).toEqual([]);
    await taskq.close();
  }
});

it("the libsql driver, when chosen, runs and warns (once) that its SQLite carries the WAL-reset bug", async () => {
  db = tempDbUrl();
  const taskq = createTaskQ({ url: db.url, driver: "libsql" });
  const warnings: { code: string; message: string }[] = [];
  taskq.addEventListener("warning", (e) => (warnings.push(e.detail), e.preventDefault()));
  await taskq.createTask({ topic: "t" });
  await taskq.createTask({ topic: "t" });
  expect(await taskq.storeInfo()).toEqual({ driver: "libsql", sqliteVersion: "3.45.1" });
  expect(warnings).toHaveLength(1);
  expect(warnings[0].code).toBe("sqlite-wal-reset-bug");
  expect(warnings[0].message).toMatch(/SQLite 3\.45\.1 \(through libsql\) carries the WAL-reset bug/);
  // the fix fits the runtime: Node's says what to install, Bun's and Deno's (whose own SQLite is patched) to let
  // the runtime pick its own library, not to upgrade a runtime that is current
  expect(warnings[0].message).toMatch(
    "Bun" in globalThis || "Deno" in globalThis
      ? /Fix: drop driver: "libsql" \(this runtime's own (bun|node):sqlite, SQLite 3\.\d+\.\d+, is the default\)\.$/
      : /Fix: install better-sqlite3 .* then drop any driver: "libsql"\.$/,
  );
  await taskq.close();
});

it("isPatched knows the fixed release and its back-ports", () => {
  const cases: [string, boolean][] = [
    ["3.45.1", false],
    ["3.51.2", false],
    ["3.51.3", true],
    ["3.52.0", true],
    ["3.44.5", false],
    ["3.44.6", true],
    ["3.50.6", false],
    ["3.50.7", true],
    ["3.6.23", true], // before WAL existed
    ["3.7.0", false],
  ];
  for (const [v, patched] of cases) expect(isPatched(v), v).toBe(patched);
});

it("a driver named but not loadable here is refused by name at first use", async () => {
  // Bun loads better-sqlite3's package, but its addon refuses to open ("not yet supported in Bun")
  const other: SqliteDriverName = runtime === "bun" ? "better-sqlite3" : "bun:sqlite";
  const taskq = createTaskQ({ url: ":memory:", driver: other });
  const e = await rejection(taskq.createTask({ topic: "t" }));
  expect(e).toBeInstanceOf(TaskError);
  expect([e.code, e.issues?.[0]?.path]).toEqual(["invalid-options", "driver"]);
  await taskq.close();
  expect(() => createTaskQ({ url: "http://127.0.0.1:1", driver: "libsql" })).toThrow(
    /driver chooses the SQLite library/,
  );
});

it("a file: URL names the path @libsql/client opens", () => {
  for (
    const url of [
      "file:sokka.db",
      "file:/tmp/x.db",
      "file:///tmp/x.db",
      "file://localhost/tmp/x.db",
      "file:a%20b.db",
      "file:./a b.db",
      ":memory:",
      "file::memory:",
    ]
  ) {
    expect(filePath(url), url).toBe(expandConfig({ url }, true).path);
  }
});

describe.each(EXPECTED)("the %s driver", (name) => {
  async function driver(timeoutMs = 0): Promise<SqliteDriver> {
    const lib = await loaders[name]();
    expect(lib, `${name} loads in ${runtime}`).not.toBeNull();
    db ??= tempDbUrl();
    return new SqliteDriver(lib!, filePath(db.url), timeoutMs, await loadFileIdentity());
  }

  it("a lone write refused as busy leaves nothing open: the next one commits at once, and the lock is free", async () => {
    // libsql 0.5.29 left the refused statement active: the next write ran inside its transaction, was
    // acknowledged, was invisible to other connections, and was rolled back once the statement was collected
    const holder = await driver(0);
    await holder.execute("CREATE TABLE t (n INTEGER)");
    const other = await driver(10);
    await holder.execute("BEGIN IMMEDIATE");
    for (const stmt of ["INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1) RETURNING n"]) {
      const busy = await rejection(other.execute(stmt));
      expect(classifyDriverError(busy), stmt).toBe("busy");
    }
    await holder.execute("ROLLBACK");
    expect((await other.execute("INSERT INTO t VALUES (2) RETURNING n")).rows.map((r) => r.n)).toEqual([2]);
    // committed: another connection sees it, and can write (the refused statement holds no lock)
    expect((await holder.execute("SELECT n FROM t")).rows.map((r) => r.n)).toEqual([2]);
    expect((await holder.execute("INSERT INTO t VALUES (3)")).rowsAffected).toBe(1);
    expect((await other.execute("SELECT count(*) AS c FROM t")).rows[0].c).toBe(2);
    other.close();
    holder.close();
  });

  // libsql 0.5 has no call that frees a statement: its files close when the garbage collector takes them
  it.skipIf(name === "libsql")(
    "a closed store holds none of its files open (their space comes back at once when they are deleted)",
    async () => {
      // bun:sqlite kept a closed database open until the garbage collector freed its statements: a deleted
      // file's space came back at some later moment (on a full disk, a write then found room mid-test)
      const { url, path } = (db ??= tempDbUrl());
      const open = () =>
        readdirSync("/proc/self/fd").flatMap((fd) => {
          try {
            const target = readlinkSync(`/proc/self/fd/${fd}`);
            return target.startsWith(path) ? [target] : [];
          } catch {
            return []; // closed meanwhile (the directory's own fd)
          }
        });
      const q = createTaskQ({ url, driver: name });
      q.addEventListener("warning", (e) => e.preventDefault());
      const t = await q.createTask({ topic: "a", data: { n: 1 } });
      await q.listTasks({ topic: "a" });
      await q.holdTask(t.taskId);
      await q.reserveTask("b", "p");
      expect(open().length, "open while the store is").toBeGreaterThan(0);
      await q.close();
      expect(open()).toEqual([]);
    },
  );

  it("a file opened by a relative path is still itself after the process changes directory", async () => {
    db ??= tempDbUrl();
    const lib = (await loaders[name]())!;
    const before = process.cwd();
    process.chdir(dirname(db.path));
    try {
      const d = new SqliteDriver(lib, basename(db.path), 0, await loadFileIdentity());
      await d.execute("CREATE TABLE t (n INTEGER)");
      process.chdir("/");
      // the identity is checked once a second: wait for the check to come, then write
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await d.execute("INSERT INTO t VALUES (1)")).rowsAffected).toBe(1);
      d.close();
    } finally {
      process.chdir(before);
    }
  });

  it("rows come back by column name; a write says how many rows it changed", async () => {
    const d = await driver();
    await d.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)");
    const ins = await d.execute({ sql: "INSERT INTO t VALUES (?, ?), (?, ?)", args: ["a", 1, "b", true] });
    expect(ins.rowsAffected).toBe(2);
    const numbered = await d.execute({
      sql: "SELECT id, n FROM t WHERE n >= ?2 AND id <> ?1 ORDER BY id",
      args: ["z", 1],
    });
    expect(numbered.rows.map((r) => ({ ...r }))).toEqual([{ id: "a", n: 1 }, { id: "b", n: 1 }]);
    const upd = await d.execute({ sql: "UPDATE t SET n = n + 1 WHERE id = ? RETURNING id, n", args: ["a"] });
    expect([upd.rows, upd.rowsAffected]).toEqual([[{ id: "a", n: 2 }], 0]);
    d.close();
  });

  it("a one-row statement returns its row (or none); its write is committed and its lock released at once", async () => {
    const d = await driver();
    await d.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)");
    const ins = await d.execute(oneRow("INSERT INTO t VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id, n", ["a", 1]));
    expect(ins.rows).toEqual([{ id: "a", n: 1 }]);
    const again = await d.execute(
      oneRow("INSERT INTO t VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id, n", ["a", 2]),
    );
    expect(again.rows).toEqual([]);
    expect((await d.execute(oneRow("SELECT n FROM t WHERE id = ?", ["none"]))).rows).toEqual([]);
    // another connection reads the row and writes at once: nothing left open
    const other = new SqliteDriver((await loaders[name]())!, filePath(db!.url), 0);
    expect((await other.execute({ sql: "SELECT n FROM t WHERE id = 'a'", args: [] })).rows).toEqual([{ n: 1 }]);
    expect((await other.execute("UPDATE t SET n = 5 WHERE id = 'a'")).rowsAffected).toBe(1);
    other.close();
    // in a batch too, and a one-row read of a statement that returns several gives the first
    const [first] = await d.batch([oneRow("SELECT id FROM t UNION ALL SELECT 'z' ORDER BY 1", [])], "read");
    expect(first.rows).toEqual([{ id: "a" }]);
    d.close();
  });

  it("a statement read whole and then as one row runs with its new arguments each time", async () => {
    // libsql 0.5.29's get() after all() on one prepared statement re-ran the all()'s arguments
    const d = await driver();
    await d.execute("CREATE TABLE t (a INTEGER)");
    const insert = "INSERT INTO t (a) SELECT value FROM json_each(?1) RETURNING a";
    expect((await d.execute({ sql: insert, args: ["[1,2]"] })).rows).toEqual([{ a: 1 }, { a: 2 }]);
    expect((await d.execute(oneRow(insert, ["[3]"]))).rows).toEqual([{ a: 3 }]);
    expect((await d.execute({ sql: insert, args: ["[4]"] })).rows).toEqual([{ a: 4 }]);
    expect((await d.execute(oneRow(insert, ["[5]"]))).rows).toEqual([{ a: 5 }]);
    expect((await d.execute("SELECT a FROM t ORDER BY a")).rows.map((r) => r.a)).toEqual([1, 2, 3, 4, 5]);
    const read = "SELECT a FROM t WHERE a >= ?1 ORDER BY a";
    expect((await d.execute({ sql: read, args: [4] })).rows).toEqual([{ a: 4 }, { a: 5 }]);
    expect((await d.execute(oneRow(read, [2]))).rows).toEqual([{ a: 2 }]);
    d.close();
  });

  it("a failed batch is rolled back whole, throws SQLite's base code, and the connection goes on", async () => {
    const d = await driver();
    await d.execute("CREATE TABLE t (id TEXT PRIMARY KEY)");
    await d.execute({ sql: "INSERT INTO t VALUES (?)", args: ["taken"] });
    const e = await rejection(
      d.batch([
        { sql: "INSERT INTO t VALUES (?)", args: ["new"] },
        { sql: "INSERT INTO t VALUES (?)", args: ["taken"] },
      ], "write"),
    );
    expect([e.code, classifyDriverError(e)]).toEqual(["SQLITE_CONSTRAINT", "constraint"]);
    // the extended code by name where the library gives one (node:sqlite gives only the number: 1555)
    expect(["SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT"]).toContain(e.extendedCode);
    expect(e.message).toMatch(/^SQLITE_CONSTRAINT: UNIQUE constraint failed/);
    // the statement that failed runs again (it was not kept half-done) and the batch left nothing behind
    const ok = await d.batch([{ sql: "INSERT INTO t VALUES (?)", args: ["other"] }], "write");
    expect(ok[0].rowsAffected).toBe(1);
    expect((await d.execute("SELECT id FROM t ORDER BY id")).rows.map((r) => r.id)).toEqual(["other", "taken"]);
    d.close();
  });

  it("more statement texts than the cache holds all still run", async () => {
    const d = await driver();
    await d.execute("CREATE TABLE t (n INTEGER)");
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 250; i++) await d.execute({ sql: `INSERT INTO t VALUES (? + ${i})`, args: [round] });
    }
    expect((await d.execute("SELECT count(*) AS n, sum(n) AS s FROM t")).rows[0]).toEqual({
      n: 500,
      s: 2 * 31125 + 250,
    });
    // one-row reads are kept apart (read with get()): more of them than the cache holds, each read twice
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 250; i++) {
        const rs = await d.execute(oneRow(`SELECT ? + ${i} AS n`, [round]));
        expect(rs.rows, `${round}/${i}`).toEqual([{ n: round + i }]);
      }
    }
    d.close();
  });

  it("sqld's TRANSACTION_TIMEOUT (it rolled the transaction back, so nothing applied) is retried as busy", () => {
    expect(classifyDriverError({ code: "TRANSACTION_TIMEOUT", message: "Transaction timed out" })).toBe("busy");
  });

  it("a write batch waits out another connection's write up to its busy timeout, then is SQLITE_BUSY and commits later", async () => {
    const holder = await driver(0);
    await holder.execute("CREATE TABLE t (n INTEGER)");
    const other = await driver(30);
    await holder.execute("BEGIN IMMEDIATE");
    // the first time through SQLite's own busy wait, the second (contended now) in pauses of its own
    for (let attempt = 0; attempt < 2; attempt++) {
      const began = performance.now();
      const busy = await rejection(other.batch([{ sql: "INSERT INTO t VALUES (1)", args: [] }], "write"));
      expect([busy.code, classifyDriverError(busy)]).toEqual(["SQLITE_BUSY", "busy"]);
      expect(performance.now() - began).toBeGreaterThanOrEqual(25); // it waited, not refused at once
    }
    await holder.execute("ROLLBACK");
    // the refused BEGIN left nothing active: the next batch commits, and the busy timeout is the store's again
    const [, timeout] = await other.batch(
      [{ sql: "INSERT INTO t VALUES (2)", args: [] }, "PRAGMA busy_timeout"],
      "write",
    );
    expect(Object.values(timeout.rows[0])).toEqual([30]);
    expect((await holder.execute("SELECT n FROM t")).rows).toEqual([{ n: 2 }]);
    other.close();
    holder.close();
  });

  it("a database locked by another connection is SQLITE_BUSY; a closed driver is CLIENT_CLOSED", async () => {
    const holder = await driver(0);
    await holder.execute("CREATE TABLE t (n INTEGER)");
    const other = await driver(0);
    await holder.execute("BEGIN IMMEDIATE");
    const busy = await rejection(other.execute("INSERT INTO t VALUES (1)"));
    expect([busy.code, classifyDriverError(busy)]).toEqual(["SQLITE_BUSY", "busy"]);
    await holder.execute("ROLLBACK");
    expect((await other.execute("INSERT INTO t VALUES (1)")).rowsAffected).toBe(1);
    other.close();
    const closed = await rejection(other.execute("SELECT 1"));
    expect([closed.code, classifyDriverError(closed)]).toEqual(["CLIENT_CLOSED", "closed"]);
    holder.close();
  });
});

describe("one SQLite library per file in a process", () => {
  it("a second library on a file already open is refused by name, whatever the URL's spelling", async () => {
    if (EXPECTED.length < 2) return; // every runtime here has two (its default and libsql)
    db = tempDbUrl();
    const [first, second] = EXPECTED;
    const a = createTaskQ({ url: db.url, driver: first });
    await a.createTask({ topic: "t" });
    // the same file by another spelling of its URL: another connection, so another library would be two SQLites
    const b = createTaskQ({ url: `file://localhost${db.path}`, driver: second });
    b.addEventListener("warning", (e) => e.preventDefault());
    const e = await rejection(b.createTask({ topic: "t" }));
    expect([e.code, e.issues?.[0]?.path]).toEqual(["invalid-options", "driver"]);
    expect(e.message).toMatch(/already open in this process through/);
    // the same URL shares the open connection: naming another library is refused at once
    expect(() => createTaskQ({ url: db!.url, driver: second })).toThrow(/already open in this process through/);
    // naming the same one is fine
    const c = createTaskQ({ url: db.url, driver: first });
    expect((await c.storeInfo()).driver).toBe(first);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it("a store on a URL not yet opened takes the driver a later store on it names", async () => {
    db = tempDbUrl();
    const other = EXPECTED.at(-1)!;
    const a = createTaskQ({ url: db.url });
    const b = createTaskQ({ url: db.url, driver: other });
    for (const q of [a, b]) q.addEventListener("warning", (e) => e.preventDefault());
    expect((await a.storeInfo()).driver).toBe(other);
    await Promise.all([a.close(), b.close()]);
  });
});

describe("the ? NNN rewrite for a library without numbered parameters", () => {
  it("skips literals and comments, and refuses ? mixed with ?NNN", () => {
    expect(positional("SELECT ?2, '?1', \"?3\", ?1 -- ?9\n /* ?8 */ FROM t")).toEqual({
      sql: "SELECT ?, '?1', \"?3\", ? -- ?9\n /* ?8 */ FROM t",
      order: [1, 0],
    });
    expect(positional("SELECT ?, ?")).toEqual({ sql: "SELECT ?, ?", order: null });
    expect(() => positional("SELECT ?2, ?")).toThrow(/mixes/);
  });
});

it("an injected @libsql/client in memory is not warned about (it has no WAL); one on a file is", async () => {
  const { createClient } = await import("@libsql/client");
  for (const [url, warned] of [[":memory:", false], ["file::memory:", false]] as const) {
    const client = createClient({ url });
    const q = createTaskQ({ client });
    const warnings: string[] = [];
    q.addEventListener("warning", (e) => (warnings.push(e.detail.code), e.preventDefault()));
    await q.createTask({ topic: "t" });
    expect(warnings, url).toEqual(warned ? ["sqlite-wal-reset-bug"] : []);
    await q.close();
    client.close();
  }
});

it("a driver object is the store's database; anything else given as driver is refused by name", async () => {
  // a driver object as the host factories make them (d1(), durableObjectSql()): here over a real libSQL database
  const inner = createClient({ url: ":memory:" });
  const driver: StoreDriver & Driver = {
    sokkaDriver: true,
    protocol: inner.protocol,
    get closed() {
      return inner.closed;
    },
    execute: (stmt) => inner.execute(stmt),
    batch: (stmts, mode) => inner.batch(stmts, mode),
    close: () => inner.close(),
  };
  const taskq = createTaskQ({ driver });
  const t = await taskq.createTask({ topic: "t" });
  expect((await taskq.reserveTask("t", "p"))?.taskId).toBe(t.taskId);
  await taskq.close();
  expect(inner.closed).toBe(false); // close() leaves a given database as it was given
  expect(Number((await inner.execute("SELECT count(*) AS n FROM sokka_tasks")).rows[0].n)).toBe(1);
  inner.close();
  for (const bad of [{}, { execute() {} }, "sqlite3", 1]) {
    const e = (() => {
      try {
        createTaskQ({ driver: bad as never });
      } catch (e) {
        return e as TaskError;
      }
    })();
    expect(e).toBeInstanceOf(TaskError);
    expect([e!.code, e!.issues?.[0]?.path]).toEqual(["invalid-options", "driver"]);
  }
  expect(() => createTaskQ({ driver, client: inner })).toThrow(/a client or a driver object, not both/);
});
