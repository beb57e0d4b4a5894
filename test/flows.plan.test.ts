/**
 * EXPLAIN QUERY PLAN with many blocked dependants in the table: reservation
 * reads only the two reservation indexes (a blocked task, ready_at NULL, is
 * in neither), and each statement of the dependants trigger finds its rows
 * by an index or a key, never by a scan, so an ending costs its own edges,
 * not the table's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTaskQ } from "../mod.ts";
import * as reserve from "../src/libsql/statements/reserve.ts";
import * as keyed from "../src/libsql/statements/reserve-keyed.ts";
import { DEPENDANTS_TRIGGER } from "../src/libsql/statements/dependencies.ts";
import { rawDb, tempDbUrl } from "./helpers.ts";

const db = tempDbUrl();
let planner: Awaited<ReturnType<typeof rawDb>>;
const BLOCKED = 2_000;

beforeAll(async () => {
  planner = await rawDb(db.url);
  const taskq = createTaskQ({ url: db.url });
  // a few waiting tasks of each topic, and many blocked dependants of the same topics, in chains
  const heads = await taskq.createTasks(Array.from({ length: 30 }, (_, i) => ({ topic: `t${i % 3}`, data: i })));
  for (let c = 0; c < BLOCKED / 500; c++) {
    await taskq.createTasks(Array.from({ length: 500 }, (_, i) => ({
      topic: `t${i % 3}`,
      ref: `n${i}`,
      dependsOn: i ? [{ ref: `n${i - 1}` }, heads[(c + i) % 30].taskId] : [heads[c].taskId],
    })));
  }
  await taskq.reserveTask("t1", "p"); // a parked (running) one too
  // the keyed index, which the partitioned reservation walks, exists from the first partitioned topic on
  await taskq.setTopicLimits("t-keyed", { concurrency: 1, partitioned: true });
  await taskq.close();
  expect(Number((await planner.execute("SELECT count(*) AS n FROM sokka_tasks WHERE status = 'blocked'")).rows[0].n))
    .toBe(BLOCKED);
});
afterAll(() => {
  planner.close();
  db.cleanup();
});

async function plan(text: string, args: unknown[]): Promise<string[]> {
  const rs = await planner.execute({ sql: `EXPLAIN QUERY PLAN ${text}`, args: args as never[] });
  return rs.rows.map((r) => String(r.detail));
}

/** The steps of a plan that read a table or an index: SEARCH and SCAN (their names may be aliases: `t`, `d`). */
const reads = (steps: string[]) => steps.filter((s) => /^(SEARCH|SCAN) /.test(s));

/** What a reservation's plan may read (see the test). */
const RESERVATION_READS = [
  /^SEARCH (sokka_tasks|t) USING (COVERING )?INDEX sokka_tasks_(waiting|parked) \(status=\? AND topic=\?[^)]*\)$/,
  /^SEARCH (sokka_tasks|t) USING INTEGER PRIMARY KEY \(rowid=\?\)$/,
  /^SEARCH sokka_paused_topics USING PRIMARY KEY \(topic=\?\)$/,
  /^(SCAN|SEARCH) (p|soonest|d|k|keys|kd|a|c|\(subquery-\d+\))( USING AUTOMATIC COVERING INDEX \(v=\?\))?$/,
  // topic limits: the limits and state rows by key; a partitioned topic's keyed indexes (waiting tasks only)
  /^SEARCH (l|s|sokka_topic_limits) USING PRIMARY KEY \(topic=\?( AND part=\?)?\)( LEFT-JOIN)?$/,
  /^SEARCH (sokka_tasks|t) USING (COVERING )?INDEX sokka_tasks_keyed(_running)? \(topic=\?[^)]*\)$/,
  /^SCAN (j|json_each) VIRTUAL TABLE INDEX \d+:$/,
  /^SCAN CONSTANT ROW$/,
  /^SEARCH t USING INDEX sqlite_autoindex_sokka_tasks_1 \(task_id=\?\)( LEFT-JOIN)?$/,
];

const keyedOnes = new Set([keyed.RESERVE_ONE_KEYED, keyed.RESERVE_MANY_KEYED, keyed.RESERVE_MANY_EXCEPT_KEYED]);

/** Reservation reads only the waiting and parked indexes: a blocked task is in neither. */
async function reservationPlans() {
  const statements: [string, unknown[]][] = [
    [reserve.RESERVE_ONE, ["t1", "p", 1000]],
    [reserve.RESERVE_MANY, ["t1", "p", 1000, 32]],
    [reserve.RESERVE_MANY_EXCEPT, ["t1", "p", 1000, 32, JSON.stringify(["a"])]],
    [reserve.NEXT_READY, ["t1"]],
    [reserve.NEXT_READY_KEYED, ["t1"]],
    [keyed.RESERVE_ONE_KEYED, ["t1", "p", 1000]],
    [keyed.RESERVE_MANY_KEYED, ["t1", "p", 1000, 32]],
    [keyed.RESERVE_MANY_EXCEPT_KEYED, ["t1", "p", 1000, 32, JSON.stringify(["a"])]],
  ];
  for (const [text, args] of statements) {
    const all = await plan(text, args);
    const what = all.join("\n");
    // a partitioned topic's reservation walks the keyed index (waiting tasks with a key) instead
    expect(what).toContain(keyedOnes.has(text) ? "sokka_tasks_keyed" : "sokka_tasks_waiting");
    expect(what).toContain("sokka_tasks_parked");
    for (const s of reads(all)) {
      // a search of a reservation index; the row of a task found there (by rowid, to update it); the
      // paused-topic check; the statement's own subqueries and CTEs (the merged walk, the idle look's
      // p and soonest); the ids a drain passes over (json_each); and, for a task reserved, its own
      // dependencies (json_each of its deps, each by task_id) that the returned row shows. Never
      // a scan of a table, never an index of blocked or resting tasks.
      expect(s, what).toSatisfy((line: string) => RESERVATION_READS.some((r) => r.test(line)));
    }
  }
}

/** The trigger's statements, OLD.x and NEW.x bound as parameters (as SQLite runs them, one row at a time). */
const body = DEPENDANTS_TRIGGER.slice(DEPENDANTS_TRIGGER.indexOf("BEGIN") + 5, DEPENDANTS_TRIGGER.lastIndexOf("END"));
const steps = body.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
const names = [...new Set(body.match(/\b(NEW|OLD)\.\w+/g))];
const bound = (s: string) => s.replace(/\b(NEW|OLD)\.\w+/g, (m) => `?${names.indexOf(m) + 1}`);
const args = names.map((n) => (/status/.test(n) ? "failed" : "x"));

/** Each statement of the dependants trigger finds its rows by index or key, never by a scan. */
async function triggerPlans() {
  for (const [k, text] of steps.entries()) {
    const all = await plan(bound(text), args);
    const what = `step ${k + 1}:\n${all.join("\n")}`;
    for (const s of reads(all)) {
      // the only scan is of the recursive CTE `down` (the dependants step 1 collects level by level);
      // every table is searched by a key or an index: sokka_deps by dependant (its key) or by dependency
      // (sokka_deps_dependants), sokka_tasks by task_id, by blocker, or by unique key (a re-run's check)
      expect(s, what).toMatch(
        /^SCAN down$|^SEARCH \w+ USING (PRIMARY KEY \(dependant=\?( AND dependency=\?)?\)|(COVERING )?INDEX (sokka_deps_dependants \(dependency=\?( AND dependant=\?)?\)|sokka_tasks_blocker \(blocker=\?\)|sokka_tasks_unique \(topic=\? AND unique_hold=\?\)|sqlite_autoindex_sokka_tasks_1 \(task_id=\?\)))$/,
      );
    }
    // steps 1 to 4 walk the edges from the ended task; 2 to 6 the tasks its ending ended
    if (k < 4) expect(what).toContain("sokka_deps_dependants (dependency=?)");
    if (k > 0) expect(what).toContain("sokka_tasks_blocker (blocker=?)");
  }
}

it("the trigger has the statements it had when this test was written (each is planned below)", () => {
  expect(steps.length).toBe(6);
  // NEW.updated_at: the firing statement's time, which the steps take for their own (a TestClock's offset with it)
  expect([...names].sort()).toEqual(["NEW.status", "NEW.task_id", "NEW.updated_at", "OLD.status"]);
});

// Before the table has statistics, then after ANALYZE (which weighs the 2,000 blocked rows against the 30
// waiting ones); in this order, since the statistics stay (a table cannot be dropped under bun:sqlite's
// cached statements).
describe("query plans with blocked dependants, no statistics", () => {
  it("reservation reads only the waiting and parked indexes: a blocked task is in neither", reservationPlans);
  it("each statement of the dependants trigger finds its rows by index or key, never by a scan", triggerPlans);
});

describe("query plans with blocked dependants, after ANALYZE", () => {
  beforeAll(async () => {
    await planner.execute("ANALYZE");
  });
  it("reservation reads only the waiting and parked indexes: a blocked task is in neither", reservationPlans);
  it("each statement of the dependants trigger finds its rows by index or key, never by a scan", triggerPlans);
});

/** The names of the database's triggers and indexes. */
async function schemaNames(url: string): Promise<string[]> {
  const raw = await rawDb(url);
  try {
    const rs = await raw.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index')");
    return rs.rows.map((r) => String(r.name));
  } finally {
    raw.close();
  }
}

it("the keyed index and the rate trigger exist only from the first limits that need them on", async () => {
  // a database whose topics have no partitioned limit and no rate pays nothing for either at each status change
  const fresh = tempDbUrl();
  const taskq = createTaskQ({ url: fresh.url });
  try {
    await taskq.createTask({ topic: "a", partitionKey: "k" });
    await taskq.setTopicLimits("a", { concurrency: 2 });
    let names = await schemaNames(fresh.url);
    expect(names).not.toContain("sokka_tasks_keyed");
    expect(names).not.toContain("sokka_rate_taken");
    await taskq.setTopicLimits("a", { concurrency: 2, partitioned: true });
    names = await schemaNames(fresh.url);
    expect(names).toContain("sokka_tasks_keyed");
    expect(names).not.toContain("sokka_rate_taken");
    await taskq.setTopicLimits("b", { rate: { limit: 5, periodMs: 1000 } });
    expect(await schemaNames(fresh.url)).toContain("sokka_rate_taken");
    // the task created before the index is in it: the partitioned reservation finds it
    expect((await taskq.reserveTask("a", "p"))?.partitionKey).toBe("k");
  } finally {
    await taskq.close();
    await fresh.cleanup?.();
  }
});
