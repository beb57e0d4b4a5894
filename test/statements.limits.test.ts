/**
 * Every statement the store sends keeps within the limits of the strictest
 * SQLite host it may run on next (Cloudflare D1): at most 100 bound
 * parameters per statement and at most 32 arguments to any SQL function.
 * The store runs the whole TaskQ contract, a worker, a drain and the HTTP
 * routes on a driver that records each statement; then each text is checked.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createTaskQ, drain, ok, type TaskQOptions, worker } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { chooseLibrary } from "../src/drivers/select.ts";
import type { Driver, Result, Statement } from "../src/drivers/driver.ts";
import { SqliteDriver } from "../src/libsql/sqlite-driver.ts";
import { type Target, waitFor } from "./helpers.ts";
import { taskqContract } from "./taskq.contract.ts";
import { lifecycleContract } from "./taskq.lifecycle.contract.ts";
import { activityContract } from "./taskq.activity.contract.ts";

const MAX_PARAMS = 100;
const MAX_FUNCTION_ARGS = 32;

/** Each statement text sent, with the most arguments it was sent with. */
const sent = new Map<string, number>();

function record(stmt: Statement): void {
  const sql = typeof stmt === "string" ? stmt : stmt.sql;
  const args = typeof stmt === "string"
    ? 0
    : Array.isArray(stmt.args)
    ? stmt.args.length
    : Object.keys(stmt.args ?? {}).length;
  sent.set(sql, Math.max(sent.get(sql) ?? 0, args));
}

/** A driver that records what the store sends and passes it on. */
function recording(inner: Driver): Driver {
  return {
    protocol: inner.protocol,
    name: inner.name,
    get closed() {
      return inner.closed;
    },
    turns: inner.turns,
    execute(stmt: Statement): Promise<Result> {
      record(stmt);
      return inner.execute(stmt);
    },
    batch(stmts: Statement[], mode: "read" | "write"): Promise<Result[]> {
      stmts.forEach(record);
      return inner.batch(stmts, mode);
    },
    close: () => inner.close(),
  };
}

const { lib } = await chooseLibrary();

/** A store on `:memory:` through the recording driver (the runtime's default SQLite library underneath). */
function recordingStore(opts?: TaskQOptions) {
  const inner = new SqliteDriver(lib, ":memory:", 5_000);
  const taskq = createTaskQ({ ...opts, client: recording(inner) as never });
  return { taskq, cleanup: async () => (await taskq.close(), inner.close()) };
}

const target: Target = { name: "recording driver", make: recordingStore };

describe("statements sent while the contract runs", () => {
  describe("TaskQ contract", () => taskqContract(target));
  describe("lifecycle contract", () => lifecycleContract(target));
  describe("activity contract", () => activityContract(target));

  it("a worker, a drain and the HTTP routes", async () => {
    const { taskq, cleanup } = recordingStore();
    await taskq.createTasks(Array.from({ length: 300 }, (_, i) => ({ topic: "w", data: i, priority: i % 3 })));
    const w = worker({ taskq, topic: "w", concurrency: 32, pfn: () => ok() });
    await waitFor(async () => (await taskq.countTasks({ topic: "w", status: "terminated" })) === 300, 20_000);
    await w.stop();
    await taskq.createTasks(Array.from({ length: 50 }, (_, i) => ({ topic: "d", data: i })));
    await drain({ taskq, topic: "d", concurrency: 8, pfn: () => ok(), budgetMs: 10_000 });
    const app = sokkaRoutes({ taskq });
    for (const path of ["/", "/tasks", "/topics", "/metrics", "/activity"]) await app.request(path);
    await app.request("/ui");
    await cleanup();
  });
});

afterAll(() => {
  // run last: every statement sent by the suites above
  expect(sent.size).toBeGreaterThan(40);
  const over: string[] = [];
  for (const [sql, args] of sent) {
    const params = paramsOf(sql);
    if (params > MAX_PARAMS || args > MAX_PARAMS) {
      over.push(`${params} parameters (${args} sent): ${sql.slice(0, 120)}`);
    }
    for (const [fn, n] of functionArgs(sql)) {
      if (n > MAX_FUNCTION_ARGS) over.push(`${fn}() with ${n} arguments: ${sql.slice(0, 120)}`);
    }
  }
  expect(over).toEqual([]);
});

/** How many parameters a statement binds: its highest `?N`, or its count of plain `?`. */
export function paramsOf(sql: string): number {
  const text = withoutStrings(sql);
  const numbered = [...text.matchAll(/\?(\d+)/g)].map((m) => Number(m[1]));
  const plain = [...text.matchAll(/\?(?!\d)/g)].length;
  const named = new Set([...text.matchAll(/[:@$][A-Za-z_]\w*/g)].map((m) => m[0])).size;
  return Math.max(0, ...numbered) + plain + named;
}

/** Every SQL function call of a statement with its number of arguments (top-level commas + 1). */
export function functionArgs(sql: string): [string, number][] {
  const text = withoutStrings(sql);
  const out: [string, number][] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
  for (let m; (m = re.exec(text));) {
    const name = m[1];
    const before = text.slice(0, m.index).trimEnd().split(/\s+/).pop()?.toUpperCase() ?? "";
    // table and CTE column lists, IN and VALUES lists, and keywords are not calls
    if (
      NOT_CALLS.has(name.toUpperCase()) ||
      ["INTO", "TABLE", "INDEX", "ON", "REFERENCES", "RECURSIVE", ","].includes(before)
    ) {
      continue;
    }
    let depth = 0, args = 1, i = m.index + m[0].length, empty = true;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === "(") depth++;
      else if (ch === ")") {
        if (depth === 0) break;
        depth--;
      } else if (ch === "," && depth === 0) args++;
      else if (!/\s/.test(ch)) empty = false;
    }
    const after = text.slice(i + 1).trimStart().slice(0, 2).toUpperCase();
    if (after === "AS" && before !== "SELECT" && /^\w+$/.test(name) && /WITH|RECURSIVE|,/.test(before)) continue;
    out.push([name, empty ? 0 : args]);
  }
  return out;
}

const NOT_CALLS = new Set([
  "IN",
  "VALUES",
  "EXISTS",
  "AS",
  "AND",
  "OR",
  "NOT",
  "ON",
  "USING",
  "WHERE",
  "SELECT",
  "FROM",
  "INTO",
  "KEY",
  "CHECK",
  "OVER",
  "FILTER",
  "WITH",
  "JOIN",
  "SET",
  "WHEN",
  "THEN",
  "ELSE",
  "IS",
  "BY",
  "UNION",
  "ALL",
  "CONFLICT",
  "RETURNING",
]);

/** The text with string literals emptied (a comma or `?` inside quotes is not SQL). */
function withoutStrings(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''");
}

describe("the checker itself", () => {
  it("counts parameters and function arguments", () => {
    expect(paramsOf("SELECT ?1, ?3, '?'")).toBe(3);
    expect(paramsOf("INSERT INTO t VALUES (?, ?)")).toBe(2);
    expect(functionArgs("SELECT json_array(a, b, max(c, d), 'x,y') AS r FROM t WHERE id IN (1, 2, 3)")).toEqual([
      ["json_array", 4],
      ["max", 2],
    ]);
    expect(functionArgs("INSERT INTO sokka_tasks (a, b, c) SELECT coalesce(x, 1) FROM y")).toEqual([["coalesce", 2]]);
    expect(functionArgs("WITH RECURSIVE p(v) AS (SELECT 1) SELECT count(*) FROM p")).toEqual([["count", 1]]);
    const many = `SELECT json_array(${Array.from({ length: 33 }, (_, i) => `c${i}`).join(", ")})`;
    expect(functionArgs(many)).toEqual([["json_array", 33]]);
  });
});
