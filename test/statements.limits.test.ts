/**
 * Every statement the store sends keeps within Cloudflare D1's limits
 * (developers.cloudflare.com/d1/platform/limits), checked here by the test's
 * own checker, not by miniflare (which lets 33 function arguments and 2 MB
 * strings through): at most 100 bound parameters, 100,000 bytes of SQL text,
 * 2,000,000 bytes per string or blob argument, 32 arguments to any SQL
 * function; and at most 5 terms per compound SELECT, which D1 in workerd
 * enforces though its page does not list it (measured: a 6-term UNION fails
 * with "too many terms in compound SELECT").
 * The store runs the TaskQ contracts, a worker, a drain, the HTTP routes,
 * schedules, topic limits, flows, unique keys and bulk creates over 2 MB
 * on a driver that records each statement; then each text and its arguments
 * are checked.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  createTaskQ,
  dependants,
  dependencies,
  drain,
  enqueue,
  enqueueMany,
  getSchedule,
  groupFollowUp,
  listSchedules,
  ok,
  pauseSchedule,
  resumeSchedule,
  schedule,
  sealGroup,
  setTopicLimits,
  type TaskQOptions,
  topicLimits,
  unschedule,
  worker,
} from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { chooseLibrary } from "../src/drivers/select.ts";
import type { Driver, Result, Statement } from "../src/drivers/driver.ts";
import { SqliteDriver } from "../src/libsql/sqlite-driver.ts";
import { type Target, uniq, waitFor } from "./helpers.ts";
import { taskqContract } from "./taskq.contract.ts";
import { lifecycleContract } from "./taskq.lifecycle.contract.ts";
import { activityContract } from "./taskq.activity.contract.ts";
import { namesContract } from "./taskq.names.contract.ts";
import { topicsContract } from "./taskq.topics.contract.ts";

/** D1's limits (its limits page), and the compound SELECT limit measured in workerd. */
export const D1_LIMITS = {
  params: 100,
  sqlBytes: 100_000,
  argBytes: 2_000_000,
  functionArgs: 32,
  compoundTerms: 5,
} as const;

/** Each statement text sent: the most arguments and the largest argument (bytes) it was sent with. */
const sent = new Map<string, { args: number; argBytes: number }>();

const utf8 = new TextEncoder();
/** Bytes of one argument as D1 stores it (text as UTF-8). */
export function argBytes(v: unknown): number {
  if (typeof v === "string") return utf8.encode(v).length;
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  return 8;
}

function record(stmt: Statement): void {
  const sql = typeof stmt === "string" ? stmt : stmt.sql;
  const list: unknown[] = typeof stmt === "string"
    ? []
    : Array.isArray(stmt.args)
    ? stmt.args
    : Object.values(stmt.args ?? {});
  const was = sent.get(sql) ?? { args: 0, argBytes: 0 };
  sent.set(sql, {
    args: Math.max(was.args, list.length),
    argBytes: Math.max(was.argBytes, 0, ...list.map(argBytes)),
  });
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
  describe("names contract", () => namesContract(target));
  describe("topics contract", () => topicsContract(target));

  it("a worker, a drain and the HTTP routes", async () => {
    const { taskq, cleanup } = recordingStore();
    await taskq.createTasks(Array.from({ length: 300 }, (_, i) => ({ topic: "w", data: i, priority: i % 3 })));
    const w = worker({ taskq, topic: "w", concurrency: 32, pfn: () => ok() });
    await waitFor(async () => (await taskq.countTasks({ topic: "w", status: "terminated" })) === 300, 20_000);
    await w.stop();
    await taskq.createTasks(Array.from({ length: 50 }, (_, i) => ({ topic: "d", data: i })));
    await drain({ taskq, topic: "d", concurrency: 8, pfn: () => ok(), budgetMs: 10_000 });
    await taskq.createTasks(Array.from({ length: 20 }, (_, i) => ({ topic: "q", data: i })));
    await drain({ taskq, topic: "q", concurrency: 4, pfn: () => ok(), budgetMs: 10_000, maxQueries: 30 });
    const app = sokkaRoutes({ taskq });
    const one = (await taskq.createTask({ topic: "h", taskGroupId: "hg" })).taskId;
    for (
      const path of [
        "/",
        "/tasks",
        "/tasks?topic=w&status=terminated",
        `/tasks/${one}`,
        "/topics",
        "/topics/w/limits",
        "/groups/hg/tasks",
        "/groups/hg/follow-up",
        "/schedules",
        "/metrics",
        "/activity",
        "/openapi.json",
        "/ui",
        "/ui/topics",
        "/ui/schedules",
        `/ui/tasks/${one}`,
      ]
    ) await app.request(path);
    const post = (path: string, body: unknown) =>
      app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post("/tasks", { topic: "h", data: 1 })).status).toBe(201);
    expect((await post("/tasks/batch", { tasks: [{ topic: "h" }, { topic: "h", priority: 2 }] })).status).toBe(201);
    await post("/topics/h/reserve", { pid: "p" });
    await cleanup();
  });

  it("schedules, topic limits, flows, unique keys and creates over 2 MB", async () => {
    const { taskq, cleanup } = recordingStore();
    // bulk creates whose JSON passes 2 MB: 12 tasks of 300 KB each, in each row form, and a group commit
    const big = "x".repeat(300_000);
    const bare = await taskq.createTasks(Array.from({ length: 12 }, () => ({ topic: "big", data: big })));
    const full = await taskq.createTasks(Array.from({ length: 12 }, () => ({ topic: "big", data: big, priority: 1 })));
    const plain = await taskq.createTasks(
      Array.from({ length: 12 }, (_, i) => ({ topic: "big", data: big, taskGroupId: `g${i}` })),
    );
    const grouped = await Promise.all(Array.from({ length: 12 }, () => taskq.createTask({ topic: "big", data: big })));
    const keyed = await enqueueMany(
      taskq,
      Array.from({ length: 12 }, (_, i) => ({ topic: "big", data: big, uniqueKey: `k${i}` })),
    );
    expect(await taskq.countTasks({ topic: "big" })).toBe(
      bare.length + full.length + plain.length + grouped.length + keyed.tasks.length,
    );
    // data whose JSON text is escaped again inside the statement's JSON argument (300 KB of quotes: 1.2 MB a row
    // there; 100 KB of control characters: 1.3 MB), in bulk and in a group commit
    for (const odd of ['"'.repeat(300_000), "\u0001".repeat(100_000)]) {
      const made = await taskq.createTasks(Array.from({ length: 6 }, () => ({ topic: "odd", data: odd })));
      const one = await Promise.all(Array.from({ length: 6 }, () => taskq.createTask({ topic: "odd", data: odd })));
      expect((await taskq.task(made[5].taskId))!.data).toBe(odd);
      expect((await taskq.task(one[5].taskId))!.data).toBe(odd);
    }
    // many small tasks: chunks by rows too
    await taskq.createTasks(Array.from({ length: 2_500 }, (_, i) => ({ topic: "many", data: i })));

    const name = uniq("s");
    await schedule(taskq, { name, cron: "* * * * *", topic: "sched", data: { a: 1 } });
    await getSchedule(taskq, name);
    await listSchedules(taskq, { topic: "sched" });
    await pauseSchedule(taskq, name);
    await resumeSchedule(taskq, name);
    await taskq.fireSchedules?.({ topics: ["sched"] });
    await unschedule(taskq, name);

    await setTopicLimits(taskq, "lim", { concurrency: 2, rate: { limit: 10, periodMs: 1_000 } });
    await setTopicLimits(taskq, "plim", { concurrency: 1, partitioned: true });
    await topicLimits(taskq, "lim");
    await taskq.createTasks(Array.from({ length: 4 }, (_, i) => ({ topic: "lim", data: i })));
    await taskq.createTasks(
      Array.from({ length: 4 }, (_, i) => ({ topic: "plim", data: i, partitionKey: `p${i % 2}` })),
    );
    await drain({ taskq, topic: "lim", concurrency: 4, pfn: () => ok(), budgetMs: 5_000, maxTasks: 4 });
    await drain({ taskq, topic: "plim", concurrency: 4, pfn: () => ok(), budgetMs: 5_000, maxTasks: 4 });
    await taskq.topicStats();

    const a = await enqueue(taskq, { topic: "flow" });
    const b = await enqueue(taskq, { topic: "flow", dependsOn: [a.task.taskId] });
    await enqueueMany(taskq, [{ topic: "flow", ref: "x" }, {
      topic: "flow",
      dependsOn: [{ ref: "x" }, a.task.taskId],
    }]);
    await dependants(taskq, a.task.taskId);
    await dependencies(taskq, b.task.taskId);
    await taskq.createTasks([{ topic: "flow", taskGroupId: "fg" }, { topic: "flow", taskGroupId: "fg" }]);
    await sealGroup(taskq, "fg", { topic: "flow" });
    await groupFollowUp(taskq, "fg");
    await drain({ taskq, topic: "flow", concurrency: 8, pfn: () => ok(), budgetMs: 10_000 });
    await taskq.pruneTasks({ olderThanMs: 0 });
    await cleanup();
  });
});

afterAll(() => {
  // run last: every statement sent by the suites above
  expect(sent.size).toBeGreaterThan(40);
  const over: string[] = [];
  for (const [sql, seen] of sent) {
    const params = paramsOf(sql);
    const head = sql.slice(0, 120);
    if (params > D1_LIMITS.params || seen.args > D1_LIMITS.params) {
      over.push(`${params} parameters (${seen.args} sent): ${head}`);
    }
    const bytes = utf8.encode(sql).length;
    if (bytes > D1_LIMITS.sqlBytes) over.push(`${bytes} bytes of SQL: ${head}`);
    if (seen.argBytes > D1_LIMITS.argBytes) over.push(`an argument of ${seen.argBytes} bytes: ${head}`);
    for (const [fn, n] of functionArgs(sql)) {
      if (n > D1_LIMITS.functionArgs) over.push(`${fn}() with ${n} arguments: ${head}`);
    }
    const terms = compoundTerms(sql);
    if (terms > D1_LIMITS.compoundTerms) over.push(`a compound SELECT of ${terms} terms: ${head}`);
  }
  expect(over).toEqual([]);
  // the large creates above were sent: a checker that saw no big argument would prove nothing
  expect(Math.max(...[...sent.values()].map((s) => s.argBytes))).toBeGreaterThan(1_000_000);
});

/** The most terms of any compound SELECT of a statement: UNION / INTERSECT / EXCEPT at one nesting level, + 1. */
export function compoundTerms(sql: string): number {
  const text = withoutStrings(sql).toUpperCase();
  const counts: number[] = [0];
  let most = 1;
  const re = /\(|\)|\b(UNION|INTERSECT|EXCEPT)\b/g;
  for (let m; (m = re.exec(text));) {
    if (m[0] === "(") counts.push(0);
    else if (m[0] === ")") counts.pop();
    else {
      counts[counts.length - 1]++;
      most = Math.max(most, counts[counts.length - 1] + 1);
    }
  }
  return most;
}

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
    expect(compoundTerms("SELECT 1 UNION SELECT 2 UNION ALL SELECT 3")).toBe(3);
    expect(compoundTerms("SELECT * FROM (SELECT 1 UNION SELECT 2) UNION SELECT 3 UNION SELECT 'union'")).toBe(3);
    expect(compoundTerms("WITH p(v) AS (SELECT 1 UNION ALL SELECT v FROM p) SELECT v FROM p")).toBe(2);
    expect(argBytes("é")).toBe(2);
  });
});
