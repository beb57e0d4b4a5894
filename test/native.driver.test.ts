/**
 * The native driver (src/libsql/native.ts): a `file:` store's statements go
 * through the `libsql` package with each statement kept prepared, in every
 * runtime this suite runs in, and it answers as `@libsql/client` does: rows
 * by column name, SQLite's base error codes, a failed batch rolled back.
 */
import { expandConfig } from "@libsql/core/config";
import { afterEach, expect, it } from "vitest";
import { createTaskQ } from "../mod.ts";
import { classifyDriverError } from "../src/libsql/connection.ts";
import { oneRow } from "../src/libsql/driver.ts";
import { filePath, loadNative, NativeDriver } from "../src/libsql/native.ts";
import { rejection, tempDbUrl } from "./helpers.ts";

let db: ReturnType<typeof tempDbUrl> | undefined;
afterEach(() => {
  db?.cleanup();
  db = undefined;
});

async function driver(timeoutMs = 0): Promise<NativeDriver> {
  const open = await loadNative();
  expect(open, "the libsql package loads in this runtime").not.toBeNull();
  db ??= tempDbUrl();
  return new NativeDriver(open!, filePath(db.url), timeoutMs);
}

it("a file: store (and a :memory: one) runs on the native driver once used", async () => {
  db = tempDbUrl();
  for (const url of [db.url, ":memory:"]) {
    const taskq = createTaskQ({ url });
    await taskq.createTask({ topic: "t" });
    expect((taskq as unknown as { client: { kind: string } }).client.kind, url).toBe("native");
    await taskq.close();
  }
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

it("rows come back by column name; a write says how many rows it changed", async () => {
  const d = await driver();
  await d.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)");
  const ins = await d.execute({ sql: "INSERT INTO t VALUES (?, ?), (?, ?)", args: ["a", 1, "b", true] });
  expect(ins.rowsAffected).toBe(2);
  const named = await d.execute({ sql: "SELECT id, n FROM t WHERE n >= :min ORDER BY id", args: { ":min": 1 } });
  expect(named.rows).toEqual([{ id: "a", n: 1 }, { id: "b", n: 1 }]);
  const upd = await d.execute({ sql: "UPDATE t SET n = n + 1 WHERE id = ? RETURNING id, n", args: ["a"] });
  expect([upd.rows, upd.rowsAffected]).toEqual([[{ id: "a", n: 2 }], 0]);
  d.close();
});

it("a one-row statement returns its row (or none); its write is committed and its lock released at once", async () => {
  const d = await driver();
  await d.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)");
  const ins = await d.execute(oneRow("INSERT INTO t VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id, n", ["a", 1]));
  expect(ins.rows).toEqual([{ id: "a", n: 1 }]);
  const again = await d.execute(oneRow("INSERT INTO t VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id, n", ["a", 2]));
  expect(again.rows).toEqual([]);
  expect((await d.execute(oneRow("SELECT n FROM t WHERE id = ?", ["none"]))).rows).toEqual([]);
  // another connection reads the row and writes at once: nothing left open
  const other = new NativeDriver((await loadNative())!, filePath(db!.url), 0);
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
  expect([e.code, e.extendedCode, classifyDriverError(e)]).toEqual([
    "SQLITE_CONSTRAINT",
    "SQLITE_CONSTRAINT_PRIMARYKEY",
    "constraint",
  ]);
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
  expect((await d.execute("SELECT count(*) AS n, sum(n) AS s FROM t")).rows[0]).toEqual({ n: 500, s: 2 * 31125 + 250 });
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
