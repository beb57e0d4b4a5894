/**
 * EXPLAIN QUERY PLAN of every read and reservation: each must be served by an
 * index (never a full scan of sokka_tasks, never a sort of it), so its cost
 * does not grow with the number of finished tasks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTaskQ } from "../mod.ts";
import * as reserve from "../src/libsql/statements/reserve.ts";
import * as reads from "../src/libsql/statements/reads.ts";
import * as lease from "../src/libsql/statements/lease.ts";
import * as outcomes from "../src/libsql/statements/outcomes.ts";
import * as listing from "../src/libsql/statements/listing.ts";
import type { ListShape } from "../src/libsql/statements/listing.ts";
import * as op from "../src/libsql/statements/operator.ts";
import * as act from "../src/libsql/statements/activity.ts";
import * as tp from "../src/libsql/statements/topics.ts";
import { LIVE_COUNT, STATUSES } from "../src/schemas.ts";
import { rawDb, tempDbUrl } from "./helpers.ts";

const sql = { ...reserve, ...reads, ...lease, ...outcomes, ...listing };
const db = tempDbUrl();
// Plans are read on a client of their own (see LIBSQL-NOTES: EXPLAIN of an UPDATE … RETURNING breaks a later batch()).
let planner: Awaited<ReturnType<typeof rawDb>>;

beforeAll(async () => {
  planner = await rawDb(db.url);
  const taskq = createTaskQ({ url: db.url });
  await taskq.createTasks(Array.from({ length: 200 }, (_, i) => ({ topic: `t${i % 3}`, data: i })));
  // the keyed index exists from the first partitioned topic on; the statements' branches for partitioned topics
  // (which run only then) are planned with it
  await taskq.setTopicLimits("t-keyed", { concurrency: 1, partitioned: true });
  await taskq.close();
});
afterAll(() => {
  planner.close();
  db.cleanup();
});

async function plan(text: string, args: unknown[]): Promise<string[]> {
  const rs = await planner.execute({ sql: `EXPLAIN QUERY PLAN ${text}`, args: args as never[] });
  return rs.rows.map((r) => String(r.detail));
}

/** How many parameters a statement takes (`?N` numbered). */
const highestParam = (text: string) => (text.match(/\?\d+/g) ?? []).reduce((m, p) => Math.max(m, +p.slice(1)), 0);

/** No step scans the table itself, and no step sorts it. */
function expectIndexed(steps: string[], index?: string) {
  const text = steps.join("\n");
  for (const s of steps) {
    if (/^SCAN sokka_tasks\b/.test(s)) expect(s).toMatch(/USING (COVERING )?INDEX/);
  }
  expect(text).not.toMatch(/TEMP B-TREE/);
  if (index) expect(text).toContain(index);
}

describe("query plans", () => {
  it("reserveTask and reserveTasks walk the waiting index in order and search the parked one by time", async () => {
    for (
      const [text, args] of [[sql.RESERVE_ONE, ["t1", "p", 1000]], [sql.RESERVE_MANY, ["t1", "p", 1000, 32]]] as const
    ) {
      const steps = await plan(text, [...args]);
      const all = steps.join("\n");
      // the waiting index's order within (status, topic) is (priority, ready_at, id), the reservation order: no
      // sort of the waiting tasks, and LIMIT stops the walk
      expect(all).toMatch(/SEARCH sokka_tasks USING COVERING INDEX sokka_tasks_waiting \(status=\? AND topic=\?\)\n/);
      // running and snoozed tasks are searched up to the clock: however many are parked, only the due ones
      // are read, and only they are sorted before the merge (SQLite ≥ 3.52 lists the paused-topic check, a
      // primary-key seek, between the two)
      expect(all).toMatch(
        /SEARCH sokka_tasks USING INDEX sokka_tasks_parked \(status=\? AND topic=\? AND ready_at<\?\)\n(SCALAR SUBQUERY \d+\nSEARCH sokka_paused_topics USING PRIMARY KEY \(topic=\?\)\n)?USE TEMP B-TREE FOR ORDER BY/,
      );
      expect(all).toContain("MERGE (UNION ALL)");
      expect(all.match(/TEMP B-TREE/g)).toHaveLength(1);
      for (const s of steps) if (/^SCAN sokka_tasks\b/.test(s)) expect.unreachable(s);
    }
  });

  it("a drain's reservation that passes over some tasks walks the same indexes in the same order", async () => {
    const steps = await plan(sql.RESERVE_MANY_EXCEPT, ["t1", "p", 1000, 32, JSON.stringify(["a", "b"])]);
    const all = steps.join("\n");
    // the waiting index still gives the order (no sort of the waiting tasks; it reads each row for its
    // task_id, which the worker's statement does not need); the ids passed over are a list looked up per row
    expect(all).toMatch(/SEARCH sokka_tasks USING INDEX sokka_tasks_waiting \(status=\? AND topic=\?\)\n/);
    expect(all).toMatch(/SEARCH sokka_tasks USING INDEX sokka_tasks_parked \(status=\? AND topic=\? AND ready_at<\?\)/);
    expect(all).toContain("MERGE (UNION ALL)");
    expect(all.match(/TEMP B-TREE/g)).toHaveLength(1);
    for (const s of steps) if (/^SCAN sokka_tasks\b/.test(s)) expect.unreachable(s);
  });

  it("an idle waiter's look at the next ready time is a few seeks of the live indexes", async () => {
    for (const text of [sql.NEXT_READY, sql.NEXT_READY_KEYED, act.OLDEST_READY]) {
      const steps = await plan(text, ["t1"]);
      expectIndexed(steps, "sokka_tasks_waiting");
      // a loose index scan of the waiting: one seek per distinct priority ("priority>?"), then the soonest
      // ready_at of each ("priority=?"); the first entry of each parked status
      const all = steps.join("\n");
      expect(all).toMatch(
        /SEARCH sokka_tasks USING COVERING INDEX sokka_tasks_waiting \(status=\? AND topic=\? AND priority>\?\)/,
      );
      expect(all).toMatch(
        /SEARCH sokka_tasks USING COVERING INDEX sokka_tasks_waiting \(status=\? AND topic=\? AND priority=\?\)/,
      );
      expect(all.match(/SEARCH sokka_tasks USING COVERING INDEX sokka_tasks_parked \(status=\? AND topic=\?\)/g))
        .toHaveLength(2);
    }
  });

  it("the look of several waiting topics at once is the same seeks, per topic of its list", async () => {
    const steps = await plan(sql.NEXT_READY_MANY, [JSON.stringify(["t1", "t2"])]);
    const all = steps.join("\n");
    for (const s of steps) expect(s).not.toMatch(/^SCAN sokka_tasks\b/);
    expect(all).toMatch(/SCAN json_each/);
    expect(all).toMatch(/sokka_tasks_waiting \(status=\? AND topic=\? AND priority>\?\)/);
    expect(all).toMatch(/sokka_tasks_waiting \(status=\? AND topic=\? AND priority=\?\)/);
    expect(all.match(/sokka_tasks_parked \(status=\? AND topic=\?\)/g)).toHaveLength(2);
    // the only sort is of the list's own topics (its DISTINCT), never of tasks
    for (const s of steps.filter((x) => /TEMP B-TREE/.test(x))) expect(s).toMatch(/DISTINCT/);
  });

  it("pruning searches (status, updated_at) or (topic, status, updated_at): no scan, no sort", async () => {
    const all = await plan(op.PRUNE_BATCH, ["terminated", 1000, 500]);
    expectIndexed(all, "sokka_tasks_by_status");
    const one = await plan(op.PRUNE_TOPIC_BATCH, ["terminated", 1000, 500, "t1"]);
    expectIndexed(one, "sokka_tasks_by_topic_status");
  });

  it("activity and /metrics: activity reads its own key; counts per topic and status read the indexes alone", async () => {
    const topic = await plan(act.TOPIC_ACTIVITY_SINCE, [3_600_000, "t1"]);
    expect(topic.join("\n")).toMatch(/SEARCH sokka_activity USING PRIMARY KEY \(topic=\? AND minute>\?\)/);
    // the whole-table reads of the small activity table walk its key in order: no sort
    for (const text of [act.ACTIVITY_SINCE, act.ACTIVITY_TOTALS]) {
      const steps = await plan(text, highestParam(text) ? [3_600_000] : []);
      expect(steps.join("\n"), text).not.toMatch(/TEMP B-TREE/);
      expect(steps.join("\n"), text).not.toContain("sokka_tasks");
    }
    // the counts per topic and status are one walk of each partial index, no table read, no sort
    const stats = (await plan(sql.TOPIC_STATS, [])).join("\n");
    expect(stats).toMatch(/SEARCH sokka_tasks USING COVERING INDEX sokka_tasks_waiting/);
    expect(stats).toMatch(/SEARCH sokka_tasks USING COVERING INDEX sokka_tasks_parked/);
    expect(stats).toMatch(/SCAN sokka_tasks USING COVERING INDEX sokka_tasks_by_topic_status/);
    expect(stats).not.toMatch(/TEMP B-TREE/);
  });

  it("a page of topics: each source of names is searched by seeks, the page's counts by one range each", async () => {
    for (
      const [text, args] of [[tp.NAMES_FROM, ["", null, 5]], [tp.NAMES_AFTER, ["t0", null, 5]], [
        tp.NAMES_BEFORE,
        [null, "", 5],
      ]] as const
    ) {
      const steps = await plan(text, [...args]);
      // per source, the first lookup and the recursive one: a search of a range of its index, never a scan
      expect(steps.filter((s) => /^SEARCH/.test(s))).toHaveLength(14);
      expect(steps.filter((s) => /^SCAN (sokka|json)/.test(s))).toEqual([]);
      for (const index of ["waiting", "parked", "by_topic_status"]) {
        expect(steps.join("\n")).toContain(`sokka_tasks_${index}`);
      }
      expect(steps.join("\n")).toContain("SEARCH sokka_paused_topics USING PRIMARY KEY (topic>? AND topic<?)");
      expect(steps.join("\n")).toContain("SEARCH sokka_activity USING PRIMARY KEY (topic>? AND topic<?)");
    }
    for (const text of [tp.PAGE_COUNTS, tp.PAGE_PAUSED, tp.PAGE_TOTALS, ...tp.RANGE_FROM, ...tp.RANGE_AFTER]) {
      const steps = await plan(text, ["t0", "t2"]);
      expect(steps.every((s) => !/^SCAN/.test(s)), text).toBe(true);
      expect(steps.join("\n"), text).toMatch(/topic>\? AND topic<\?/);
    }
    const some = await plan(act.TOPICS_ACTIVITY_SINCE, [3_600_000, '["t0","t1"]']);
    expect(some.join("\n")).toMatch(/SEARCH sokka_activity USING PRIMARY KEY \(topic=\? AND minute>\?\)/);
  });

  it("a paused topic is one primary-key seek of sokka_paused_topics", async () => {
    const steps = await plan(sql.RESERVE_MANY, ["t1", "p", 1000, 32]);
    expect(steps.join("\n")).toMatch(/SEARCH sokka_paused_topics USING PRIMARY KEY \(topic=\?\)/);
  });

  it("task() and every transition find the row by its unique task_id", async () => {
    for (
      const text of [
        sql.SELECT_TASK,
        sql.SELECT_STATE,
        sql.TERMINATE,
        sql.FAIL,
        sql.SNOOZE,
        sql.EXTEND_LEASE,
        sql.REVOKE_LEASE,
        op.CANCEL,
        op.HOLD,
        op.RELEASE,
        op.RETRY_TASK,
      ]
    ) {
      const steps = await plan(
        text,
        ["x", "p", null, 5].slice(0, (text.match(/\?\d/g) ?? []).reduce((m, s) => Math.max(m, +s[1]), 0)),
      );
      expectIndexed(steps);
      expect(steps.join("\n")).toMatch(/SEARCH sokka_tasks USING INDEX sqlite_autoindex_sokka_tasks_1 \(task_id=\?\)/);
    }
  });

  it("tasks(group) finds the group's own task by id and the rest in the partial group index, merged without a sort", async () => {
    const steps = await plan(sql.SELECT_GROUP, ["g"]);
    expectIndexed(steps, "sokka_tasks_group");
    expect(steps.join("\n")).toMatch(/SEARCH sokka_tasks USING INDEX sqlite_autoindex_sokka_tasks_1 \(task_id=\?\)/);
    expect(steps.join("\n")).toMatch(/SEARCH sokka_tasks USING INDEX sokka_tasks_group \(task_group_id=\?\)/);
    expect(steps.join("\n")).toContain("MERGE");
  });

  const RUNNING = STATUSES.indexOf("running");
  const FAILED = STATUSES.indexOf("failed");
  const LIVE = ["sokka_tasks_waiting", "sokka_tasks_parked"];
  /** Each listing shape, and the indexes its plan must show (live ones first). */
  const shapes: [string, Partial<ListShape>, string[]][] = [
    // without a status filter: one ordered search per status, one after another
    ["no filter", {}, [...LIVE, "sokka_tasks_by_status"]],
    ["topic", { topic: true }, [...LIVE, "sokka_tasks_by_topic_status"]],
    ["topic + subTopic", { topic: true, subTopic: true }, [...LIVE, "sokka_tasks_by_topic_status"]],
    ["waiting", { status: 0 }, ["sokka_tasks_waiting"]],
    ["a parked status", { status: RUNNING }, ["sokka_tasks_parked"]],
    ["a resting status", { status: FAILED }, ["sokka_tasks_by_status"]],
    ["topic + waiting", { topic: true, status: 0 }, ["sokka_tasks_waiting"]],
    ["topic + a parked status", { topic: true, status: RUNNING }, ["sokka_tasks_parked"]],
    ["topic + a resting status", { topic: true, status: FAILED }, ["sokka_tasks_by_topic_status"]],
    ["topic + a resting status + subTopic", { topic: true, status: FAILED, subTopic: true }, [
      "sokka_tasks_by_topic_status",
    ]],
    ["time range", { from: true, to: true }, [...LIVE, "sokka_tasks_by_status"]],
    ["topic + time range", { topic: true, from: true, to: true }, [...LIVE, "sokka_tasks_by_"]],
    ["a parked status + time range", { status: RUNNING, from: true }, ["sokka_tasks_parked"]],
    ["a resting status + time range", { status: FAILED, from: true }, ["sokka_tasks_by_status"]],
  ];
  it("listTasks and countTasks of a task group read the group's rows by id (its own task by task_id, the rest in the partial group index), never a walk of a status or topic index", async () => {
    /** Every step on the table: a lookup by id, by task_id, or in the group index; nothing else. */
    const BY_GROUP =
      /^SEARCH sokka_tasks USING (INTEGER PRIMARY KEY \(rowid=\?\)|INDEX sqlite_autoindex_sokka_tasks_1 \(task_id=\?\)|COVERING INDEX sokka_tasks_group \(task_group_id=\?\))$/;
    const expectByGroup = (steps: string[], what: string) => {
      const all = steps.join("\n");
      expect(all, what).toMatch(/SEARCH sokka_tasks USING COVERING INDEX sokka_tasks_group \(task_group_id=\?\)/);
      expect(all, what).toMatch(/SEARCH sokka_tasks USING INDEX sqlite_autoindex_sokka_tasks_1 \(task_id=\?\)/);
      for (const s of steps.filter((s) => /sokka_tasks\b/.test(s))) expect(s, what).toMatch(BY_GROUP);
    };
    const groupShapes: Partial<ListShape>[] = [
      {},
      { topic: true },
      { subTopic: true },
      { status: 0 },
      { status: RUNNING },
      { status: FAILED },
      { topic: true, status: FAILED },
      { topic: true, status: 0 },
      { from: true, to: true },
      { status: FAILED, from: true },
    ];
    let checked = 0;
    for (const shape of groupShapes) {
      const cursors = shape.status !== undefined ? [-1, shape.status] : [-1, RUNNING, FAILED];
      for (const after of cursors) {
        for (const desc of [false, true]) {
          const full: ListShape = {
            topic: false,
            subTopic: false,
            status: -1,
            from: false,
            to: false,
            group: true,
            after,
            desc,
            back: desc && after >= 0,
            ...shape,
          };
          // every status in ONE statement, read in turn until the page is full (each read is a read of the group)
          const texts = sql.listSql(full);
          expect(texts).toHaveLength(1);
          expectByGroup(
            await plan(texts[0], Array.from({ length: highestParam(texts[0]) }, () => 1)),
            JSON.stringify(full),
          );
          checked++;
        }
      }
      const count = sql.countSql({
        topic: false,
        subTopic: false,
        status: -1,
        from: false,
        to: false,
        group: true,
        ...shape,
      });
      expectByGroup(
        await plan(count, Array.from({ length: highestParam(count) }, () => 1)),
        `count ${JSON.stringify(shape)}`,
      );
    }
    expect(checked).toBe(48);
  });

  for (const [name, shape, indexes] of shapes) {
    // with a status filter, the cursor is in that status; without one, try it in a live and in a resting one
    const cursors = shape.status !== undefined ? [-1, shape.status] : [-1, RUNNING, FAILED];
    for (const after of cursors) {
      for (const desc of [false, true]) {
        const where = after < 0 ? "" : ` after a cursor in ${STATUSES[after]}`;
        it(`listTasks by ${name}${where}${desc ? ", newest first," : ""} uses ${indexes.join(" and ")}`, async () => {
          // walking back (a previous page) reverses the statuses too; tried in the descending runs
          const back = desc && after >= 0;
          const full: ListShape = {
            topic: false,
            subTopic: false,
            status: -1,
            from: false,
            to: false,
            after,
            desc,
            back,
            ...shape,
          };
          const texts = sql.listSql(full);
          // one statement per status read: all of them without a filter or cursor, fewer past a cursor
          const n = STATUSES.length;
          const reads = shape.status !== undefined ? 1 : after < 0 ? n : back ? after + 1 : n - after;
          expect(texts).toHaveLength(reads);
          const steps: string[] = [];
          for (const text of texts) {
            const one = await plan(text, Array.from({ length: highestParam(text) }, () => 1));
            expectIndexed(one);
            // every step on the table is a search of an index, never a scan
            for (const s of one.filter((s) => /sokka_tasks\b/.test(s))) expect(s).toMatch(/^SEARCH sokka_tasks USING/);
            steps.push(...one);
          }
          // past a cursor, a listing over every status skips those behind it; each status read shows its index
          const read = STATUSES.map((_, r) => r).filter((r) =>
            shape.status !== undefined || after < 0 || (back ? r <= after : r >= after)
          );
          const expected = shape.status !== undefined
            ? indexes
            : [...new Set(read.map((r) => indexes[r === 0 ? 0 : r < LIVE_COUNT ? 1 : 2]))];
          for (const index of expected) expect(steps.join("\n")).toContain(index);
        });
      }
    }
    it(`countTasks by ${name} counts on an index`, async () => {
      const text = sql.countSql({ topic: false, subTopic: false, status: -1, from: false, to: false, ...shape });
      const steps = await plan(text, Array.from({ length: highestParam(text) }, () => 1));
      expectIndexed(steps);
      // a count reads only its index, never the rows (subTopic is in no index, updatedAt in no live one)
      for (const s of steps.filter((s) => /sokka_tasks\b/.test(s))) {
        expect(s).toMatch(
          shape.from || shape.to || shape.subTopic ? /^SEARCH sokka_tasks USING/ : /^SEARCH sokka_tasks USING COVERING/,
        );
      }
    });
  }
});
