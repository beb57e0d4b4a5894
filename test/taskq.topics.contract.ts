/**
 * The TaskQ contract of topics a page at a time (`topicPage`) and summed
 * (`topicTotals`), run for every target: every topic (with waiting, running,
 * snoozed or resting tasks, only a pause, or only activity) on exactly one
 * page, in SQLite's name order, walking forward and back; each page's stats
 * those of `topicStats()`. Each test works under a prefix of its own, so the
 * shared server's other topics never show.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { TaskError, type TaskQ, type TopicPage, type TopicStats } from "../mod.ts";
import { compareText, prefixEnd } from "../src/libsql/topics.ts";
import { rejection, type Target, uniq, waitFor } from "./contract-helpers.ts";

export function topicsContract(target: Target) {
  let taskq: TaskQ;
  let cleanup: () => Promise<void>;
  let prefix: string;

  beforeEach(() => {
    ({ taskq, cleanup } = target.make({ leaseTimeMs: 60_000, snoozeTimeMs: 60_000 }));
    prefix = `${uniq("tp")}/`;
  });
  afterEach(() => cleanup());

  /** Every page from the first (or, `back`, from the last), following the cursors. */
  async function walk(limit: number, back = false): Promise<TopicPage[]> {
    const pages = [await taskq.topicPage({ limit, prefix, last: back || undefined })];
    for (;;) {
      const c = back ? pages[pages.length - 1].prevCursor : pages[pages.length - 1].cursor;
      if (!c) return pages;
      pages.push(await taskq.topicPage({ limit, prefix, cursor: c }));
      expect(pages.length).toBeLessThan(100);
    }
  }

  /** A topic's stats with its oldest ready task's age (which grows as the test runs) reduced to whether it has one. */
  const fixed = (s: TopicStats) => ({ ...s, oldestReadyAgeMs: s.oldestReadyAgeMs !== null });
  const fixedPage = (p: TopicPage) => ({ ...p, data: p.data.map(fixed) });

  /** The topics of `topicStats()` under this test's prefix, in SQLite's order. */
  const expected = async () =>
    (await taskq.topicStats()).filter((s) => s.topic.startsWith(prefix)).sort((a, b) => compareText(a.topic, b.topic))
      .map(fixed);

  it("pages through every topic once, in name order, both ways; each page's stats are topicStats()'s", async () => {
    // a topic from each place a topic lives: waiting, running, snoozed, held, finished, only paused, only activity
    const names = ["waiting", "running", "snoozed", "held", "done", "paused-only", "pruned", "b", "a", "c"].map((n) =>
      prefix + n
    );
    await taskq.createTasks(names.slice(0, 5).concat(names.slice(6)).map((topic) => ({ topic })));
    await taskq.reserveTask(prefix + "running", "p1");
    await taskq.snooze((await taskq.reserveTask(prefix + "snoozed", "p1"))!.taskId, "p1", 60_000);
    await taskq.holdTask((await taskq.listTasks({ topic: prefix + "held" })).data[0].taskId);
    await taskq.terminate((await taskq.reserveTask(prefix + "done", "p1"))!.taskId, "p1");
    await taskq.pauseTopic(prefix + "paused-only");
    await taskq.pauseTopic(prefix + "a");
    const gone = await taskq.terminate((await taskq.reserveTask(prefix + "pruned", "p1"))!.taskId, "p1");
    await waitFor(async () => (await taskq.activity()).now > gone.updatedAt, 5_000, "the clock to pass the update");
    expect(await taskq.pruneTasks({ olderThanMs: 0, topic: prefix + "pruned" })).toBe(1);

    const all = await expected();
    expect(all.map((s) => s.topic).sort()).toEqual([...names].sort());
    for (const limit of [1, 3, 4, 10, 100]) {
      const forward = await walk(limit);
      expect(forward.flatMap((p) => p.data.map(fixed)), `limit ${limit}`).toEqual(all);
      expect(forward.every((p) => p.data.length === limit || p === forward[forward.length - 1])).toBe(true);
      expect(forward[0].prevCursor).toBeNull();
      // from the last page back to the first: every topic (the first page, shown whole, may repeat some), each
      // page full
      const back = (await walk(limit, true)).reverse();
      const seen = [...new Set(back.flatMap((p) => p.data.map((s) => s.topic)))];
      expect(seen, `limit ${limit} back`).toEqual(all.map((s) => s.topic));
      expect(back.every((p) => p.data.length === Math.min(limit, all.length))).toBe(true);
      expect(fixedPage(back[0])).toEqual(fixedPage(forward[0]));
    }
    // a previous page of the second page is the first page again
    const first = await taskq.topicPage({ limit: 4, prefix });
    const second = await taskq.topicPage({ limit: 4, prefix, cursor: first.cursor });
    expect(fixedPage(await taskq.topicPage({ limit: 4, prefix, cursor: second.prevCursor }))).toEqual(fixedPage(first));
    expect((await taskq.topicPage({ limit: 4, prefix, cursor: second.cursor })).data.map(fixed)).toEqual(all.slice(8));
  });

  it("a prefix confines the pages, names above U+FFFF sort as SQLite sorts them, and totals sum the topics", async () => {
    // JavaScript's < puts U+1F600 (a surrogate pair) before U+FFFD; SQLite (UTF-8 bytes) puts it after
    const names = ["x", "x\uFFFD", "x\u{1F600}", "x\u{1F600}z", "xy", "y", "w"].map((n) => prefix + n);
    await taskq.createTasks(names.flatMap((topic) => [{ topic }, { topic }]));
    await taskq.terminate((await taskq.reserveTask(prefix + "xy", "p"))!.taskId, "p");
    await taskq.pauseTopic(prefix + "x");
    const sub = `${prefix}x`;
    const pages: string[] = [];
    let page = await taskq.topicPage({ limit: 2, prefix: sub });
    for (;;) {
      pages.push(...page.data.map((s) => s.topic));
      if (!page.cursor) break;
      page = await taskq.topicPage({ limit: 2, prefix: sub, cursor: page.cursor });
    }
    expect(pages).toEqual(["x", "xy", "x\uFFFD", "x\u{1F600}", "x\u{1F600}z"].map((n) => prefix + n));
    const last = await taskq.topicPage({ limit: 2, prefix: sub, last: true });
    expect(last.data.map((s) => s.topic)).toEqual(pages.slice(-2));
    expect(last.cursor).toBeNull();

    const totals = await taskq.topicTotals({ prefix: sub });
    const stats = (await expected()).filter((s) => s.topic.startsWith(sub));
    const sum = (f: (s: ReturnType<typeof fixed>) => number) => stats.reduce((n, s) => n + f(s), 0);
    expect(totals.counts).toEqual({
      starting: sum((s) => s.counts.starting),
      running: 0,
      snoozed: 0,
      blocked: 0,
      held: 0,
      failed: 0,
      terminated: 1,
      cancelled: 0,
    });
    expect(totals.counts.starting).toBe(9);
    expect(totals.paused).toBe(1);
    expect(totals.totals).toEqual({ completed: 1, failed: 0, retried: 0, snoozed: 0, cancelled: 0 });
    expect((await taskq.topicTotals({ prefix })).counts.starting).toBe(13);
    // after a topic: the topics a listing up to it left out
    const rest = await taskq.topicTotals({ prefix: sub, after: pages[2] });
    expect(rest.counts.starting).toBe(4);
    expect(rest.paused).toBe(0);
    expect((await taskq.topicTotals({ prefix, after: prefix + "x\u{1F600}z" })).counts.starting).toBe(2); // y
    expect((await taskq.topicTotals({ prefix: sub, after: prefix })).counts.starting).toBe(9); // before the range
  });

  it("activity({ topics }) reads those topics' minutes only, in one call; bad lists are refused by name", async () => {
    const [a, b, c] = ["a", "b", "c"].map((n) => prefix + n);
    await taskq.createTasks([a, b, c, a].map((topic) => ({ topic })));
    for (const t of [a, b, c, a]) await taskq.terminate((await taskq.reserveTask(t, "p"))!.taskId, "p");
    const got = await taskq.activity({ topics: [c, a] });
    expect([...new Set(got.minutes.map((m) => m.topic))].sort()).toEqual([a, c]);
    expect(got.minutes.filter((m) => m.topic === a).reduce((n, m) => n + m.completed, 0)).toBe(2);
    for (
      const [opts, path] of [
        [{ topics: [] }, "topics"],
        [{ topics: Array(1001).fill(a) }, "topics"],
        [{ topics: [""] }, "topics.0"],
        [{ topic: a, topics: [b] }, "topics"],
      ] as const
    ) {
      const e = await rejection(taskq.activity(opts as never));
      expect(e, JSON.stringify(opts).slice(0, 40)).toBeInstanceOf(TaskError);
      expect((e as TaskError).issues?.map((i) => i.path)).toContain(path);
    }
  });

  it("refuses bad options and foreign cursors by name", async () => {
    for (
      const [opts, path] of [
        [{ limit: 0 }, "limit"],
        [{ limit: 1001 }, "limit"],
        [{ prefix: "" }, "prefix"],
        [{ cursor: "nope!" }, "cursor"],
        [{ last: "yes" }, "last"],
        [{ lmit: 5 }, "lmit"],
      ] as const
    ) {
      const e = await rejection(taskq.topicPage(opts as never));
      expect(e, JSON.stringify(opts)).toBeInstanceOf(TaskError);
      expect((e as TaskError).issues?.map((i) => i.path)).toContain(path);
    }
    // a cursor of a task listing is not one of a page of topics
    await taskq.createTasks([{ topic: prefix + "a" }, { topic: prefix + "a" }]);
    const tasksCursor = (await taskq.listTasks({ topic: prefix + "a" }, { limit: 1 })).cursor!;
    expect((await rejection(taskq.topicPage({ cursor: tasksCursor }))).code).toBe("invalid-cursor");
    const next = (await taskq.topicPage({ limit: 1 })).cursor;
    if (next) expect((await rejection(taskq.topicPage({ cursor: next, last: true }))).issues[0].path).toBe("last");
  });
}

it("prefixEnd is the least string after every string with the prefix", () => {
  expect(prefixEnd("ab")).toBe("ac");
  expect(prefixEnd("a\uD7FF")).toBe("a\uE000");
  expect(prefixEnd("a\u{10FFFF}")).toBe("b");
  expect(prefixEnd("\u{10FFFF}")).toBeNull();
  expect(compareText("\u{1F600}", "\uFFFD")).toBeGreaterThan(0);
});
