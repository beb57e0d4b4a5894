/**
 * Names and free text, for every target of the contract: a name (topic,
 * sub-topic, task and group id, pid, lease id) with a control character, only
 * whitespace, whitespace at either end or a lone surrogate is refused at every
 * entry point that takes one, naming the field and writing nothing; an odd but
 * valid name is read back exactly as given everywhere; free text (a
 * description, an error, a cancel reason) keeps its control characters, NUL
 * included; error text and cancel reasons are cut to 4,000 characters.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { drain, ok, type Task, TaskError, type TaskQ, worker } from "../mod.ts";
import { MAX_ERROR_CHARS, TRUNCATED } from "../src/schemas.ts";
import { rejection, type Target, uniq } from "./contract-helpers.ts";

/** Names the store refuses, and what the message says about each. */
export const BAD_NAMES: [name: string, says: string][] = [
  ["x\0z", "must not contain a control character (U+0000 at index 1)"],
  ["line\nbreak", "must not contain a control character (U+000A at index 4)"],
  ["cr\r\nlf", "must not contain a control character (U+000D at index 2)"],
  ["tab\there", "must not contain a control character (U+0009 at index 3)"],
  ["del\x7f", "must not contain a control character (U+007F at index 3)"],
  ["c1\x85next-line", "must not contain a control character (U+0085 at index 2)"],
  ["ls\u2028x", "must not contain a line or paragraph separator (U+2028 at index 2)"],
  ["invoice\u202Efdp.exe", "must not contain a bidirectional control (U+202E at index 7)"],
  ["iso\u2066late", "must not contain a bidirectional control (U+2066 at index 3)"],
  ["   ", "must not be only whitespace"],
  [" lead", "must not begin or end with whitespace"],
  ["trail ", "must not begin or end with whitespace"],
  ["nbsp\u00a0", "must not begin or end with whitespace"],
  ["lone\uD800", "must be well-formed Unicode (a lone surrogate U+D800 at index 4)"],
];

/** Names that look odd but are fine: each is stored and read back exactly. */
export const ODD_NAMES = [
  "send email",
  "a\u00a0b",
  "émoji 😀 名前",
  "family 👨\u200D👩\u200D👧",
  "<img src=x onerror=alert(1)>",
  "x'; DROP TABLE sokka_tasks; --",
  "a/b?c#d%00",
];

function expectRefusal(e: unknown, field: string, says: string, code = "invalid-task") {
  expect(e).toBeInstanceOf(TaskError);
  const err = e as TaskError;
  expect([err.type, err.code]).toEqual(["bad-request", code]);
  expect(err.issues?.[0]).toEqual({ path: field, message: says });
  expect(err.message).toContain(`${field} ${says}`);
}

export function namesContract(target: Target) {
  let taskq: TaskQ;
  let cleanup: () => Promise<void>;
  let topic: string;

  beforeEach(() => {
    ({ taskq, cleanup } = target.make({ leaseTimeMs: 60_000, snoozeTimeMs: 60_000 }));
    topic = uniq("names");
  });
  afterEach(() => cleanup());

  describe("names", () => {
    it("a name with a control character, only or outer whitespace, or a lone surrogate is refused at every entry point, by field, writing nothing", async () => {
      await taskq.createTask({ topic });
      const r = (await taskq.reserveTask(topic, "p1"))!;
      const lease = { leaseId: r.leaseId! };
      for (const [bad, says] of BAD_NAMES) {
        const calls: [field: string, call: () => unknown, code?: string][] = [
          ["topic", () => taskq.createTask({ topic: bad })],
          ["subTopic", () => taskq.createTask({ topic, subTopic: bad })],
          ["taskId", () => taskq.createTask({ topic, taskId: bad })],
          ["taskGroupId", () => taskq.createTask({ topic, taskGroupId: bad })],
          ["topic", () => taskq.createTasks([{ topic: bad }])],
          ["taskId", () => taskq.createTasks([{ topic }, { topic, taskId: bad }])],
          ["topic", () => taskq.reserveTask(bad, "p1")],
          ["pid", () => taskq.reserveTask(topic, bad)],
          ["topic", () => taskq.reserveTasks(bad, "p1", 2)],
          ["pid", () => taskq.reserveTasks(topic, bad, 2)],
          ["topic", () => taskq.waitForTask(bad, { timeoutMs: 0 })],
          ["topic", () => taskq.applyWritesAndReserve([], { topic: bad, pid: "p1", n: 1 })],
          ["pid", () => taskq.applyWritesAndReserve([], { topic, pid: bad, n: 1 })],
          ["taskId", () => taskq.terminate(bad, "p1")],
          ["pid", () => taskq.terminate(r.taskId, bad, lease)],
          ["leaseId", () => taskq.terminate(r.taskId, "p1", { leaseId: bad })],
          ["pid", () => taskq.fail(r.taskId, bad, "x", lease)],
          ["leaseId", () => taskq.fail(r.taskId, "p1", "x", { leaseId: bad })],
          ["pid", () => taskq.snooze(r.taskId, bad, 1, lease)],
          ["leaseId", () => taskq.extendLease(r.taskId, "p1", { leaseId: bad })],
          ["taskId", () => taskq.revokeLease(bad, r.recordVer)],
          ["taskId", () => taskq.cancelTask(bad, "why")],
          ["taskId", () => taskq.holdTask(bad)],
          ["taskId", () => taskq.releaseTask(bad)],
          ["taskId", () => taskq.retryTask(bad)],
          ["topic", () => taskq.pauseTopic(bad)],
          ["topic", () => taskq.resumeTopic(bad)],
          ["taskId", () => taskq.task(bad)],
          ["taskGroupId", () => taskq.tasks(bad)],
          ["topic", () => taskq.listTasks({ topic: bad })],
          ["subTopic", () => taskq.listTasks({ subTopic: bad })],
          ["topic", () => taskq.countTasks({ topic: bad })],
          ["topic", () => taskq.activity({ topic: bad }), "invalid-options"],
          ["topic", () => taskq.pruneTasks({ olderThanMs: 0, topic: bad }), "invalid-options"],
          ["topic", () => worker({ taskq, topic: bad, pfn: () => ok() }), "invalid-options"],
          ["pid", () => worker({ taskq, topic, pid: bad, pfn: () => ok() }), "invalid-options"],
          ["topic", () => drain({ taskq, topic: bad, pfn: () => ok() }), "invalid-options"],
        ];
        for (const [field, call, code] of calls) {
          expectRefusal(await rejection(call), field, says, code);
        }
        // a batch of writes answers each write on its own: the bad one is refused by field, its neighbour applied
        for (
          const [field, w] of [
            ["taskId", { op: "extendLease", taskId: bad, pid: "p1" }],
            ["pid", { op: "extendLease", taskId: r.taskId, pid: bad }],
            ["leaseId", { op: "extendLease", taskId: r.taskId, pid: "p1", leaseId: bad }],
            ["taskId", { op: "revokeLease", taskId: bad, recordVer: 1 }],
          ] as const
        ) {
          const [refused] = await taskq.applyWrites([w as never]);
          expectRefusal(refused.error, field, says);
        }
        expect((await taskq.topicStats()).some((s) => s.topic === bad)).toBe(false);
      }
      // nothing was written: the task is as reserved, the topic holds only it, nothing is paused
      expect(await taskq.task(r.taskId)).toEqual(r);
      expect((await taskq.listTasks({ topic })).data).toEqual([r]);
      expect((await taskq.topicStats()).find((s) => s.topic === topic)!.paused).toBe(false);
    });

    it("an odd but valid name is stored and read back exactly, by every create and every read", async () => {
      for (const odd of ODD_NAMES) {
        const name = `${odd} ${uniq("")}`; // unique on a shared server, and still odd
        const one = await taskq.createTask({ topic: name, subTopic: odd, taskId: name, taskGroupId: `g ${name}` });
        const [bulk] = await taskq.createTasks([{
          topic: name,
          subTopic: odd,
          taskId: `${name} 2`,
          taskGroupId: name,
        }]);
        const grouped = await Promise.all(
          [3, 4].map((i) => taskq.createTask({ topic: name, subTopic: odd, taskId: `${name} ${i}` })),
        );
        const made = [one, bulk, ...grouped];
        expect(made.map((t) => [t.topic, t.subTopic])).toEqual(made.map(() => [name, odd]));
        expect(made.map((t) => t.taskId)).toEqual([name, `${name} 2`, `${name} 3`, `${name} 4`]);
        for (const t of made) expect(await taskq.task(t.taskId)).toEqual(t);
        expect((await taskq.tasks(`g ${name}`)).map((t) => t.taskId)).toEqual([name]);
        expect((await taskq.tasks(name)).map((t) => t.taskId)).toEqual([`${name} 2`]);
        expect((await taskq.listTasks({ topic: name, subTopic: odd })).data).toHaveLength(4);
        expect((await taskq.topicStats()).find((s) => s.topic === name)?.counts.starting).toBe(4);
        await taskq.pauseTopic(name);
        expect((await taskq.topicStats()).find((s) => s.topic === name)?.paused).toBe(true);
        await taskq.resumeTopic(name);
        const r = (await taskq.reserveTask(name, odd))!;
        expect([r.taskId, r.pid]).toEqual([name, odd]);
        const [done] = await taskq.applyWrites([{ op: "terminate", taskId: name, pid: odd, leaseId: r.leaseId! }]);
        expect(done.task).toMatchObject({ taskId: name, status: "terminated", lastPid: odd });
      }
    });
  });

  describe("free text", () => {
    const TEXT = "nul\0here\r\nline\u2028sep\u202Ebidi\ttab\x7f\x85 end ";

    it("a description, an error and a cancel reason keep NUL and every control character, by every write", async () => {
      const one = await taskq.createTask({ topic, taskDescription: TEXT });
      const [bulk] = await taskq.createTasks([{ topic, taskDescription: TEXT, data: "x" }]);
      const grouped = await Promise.all([1, 2].map(() => taskq.createTask({ topic, taskDescription: TEXT })));
      for (const t of [one, bulk, ...grouped]) {
        expect(t.taskDescription).toBe(TEXT);
        expect((await taskq.task(t.taskId))!.taskDescription).toBe(TEXT);
      }
      const byFail = (await taskq.reserveTask(topic, "p1"))!;
      expect((await taskq.fail(byFail.taskId, "p1", TEXT)).error).toBe(TEXT);
      const byWrites = (await taskq.reserveTask(topic, "p1"))!;
      const [w] = await taskq.applyWrites([{ op: "fail", taskId: byWrites.taskId, pid: "p1", error: TEXT }]);
      expect(w.task!.error).toBe(TEXT);
      const cancelled = await taskq.cancelTask(grouped[1].taskId, TEXT);
      expect(cancelled.error).toBe(TEXT);
      for (const id of [byFail.taskId, byWrites.taskId, cancelled.taskId]) {
        expect((await taskq.task(id))!.error).toBe(TEXT);
      }
      const listed = (await taskq.listTasks({ topic })).data;
      expect(listed.map((t) => t.taskDescription)).toEqual([TEXT, TEXT, TEXT, TEXT]);
    });

    it(`error text and cancel reasons are cut to ${MAX_ERROR_CHARS} characters ending in "${TRUNCATED}", the outcome still written`, async () => {
      const cut = (s: string) => s.slice(0, MAX_ERROR_CHARS - TRUNCATED.length) + TRUNCATED;
      const huge = "e".repeat(900_000);
      await taskq.createTasks([{ topic }, { topic }, { topic }, { topic }]);
      const [a, b, c] = await taskq.reserveTasks(topic, "p1", 3);
      const failed = await taskq.fail(a.taskId, "p1", huge, { leaseId: a.leaseId! });
      expect(failed).toMatchObject({ status: "failed", error: cut(huge) });
      expect(failed.error).toHaveLength(MAX_ERROR_CHARS);
      const [w] = await taskq.applyWrites([{ op: "fail", taskId: b.taskId, pid: "p1", error: `x${huge}` }]);
      expect(w.task).toMatchObject({ status: "failed", error: cut(`x${huge}`) });
      // exactly the cap: kept whole
      const exact = "z".repeat(MAX_ERROR_CHARS);
      expect((await taskq.fail(c.taskId, "p1", exact)).error).toBe(exact);
      // never between the halves of a surrogate pair
      const paired = "p".repeat(MAX_ERROR_CHARS - TRUNCATED.length - 1) + "😀" + "q".repeat(50);
      const starting = (await taskq.listTasks({ topic, status: "starting" })).data[0];
      const reason = (await taskq.cancelTask(starting.taskId, paired)).error!;
      expect(reason).toBe("p".repeat(MAX_ERROR_CHARS - TRUNCATED.length - 1) + TRUNCATED);
      const waiting = await taskq.createTask({ topic: uniq("cancel") });
      const big = await taskq.cancelTask(waiting.taskId, "r".repeat(5_000_000));
      expect(big.error).toBe(cut("r".repeat(5_000_000)));
      for (const t of [failed, w.task!, big] as Task[]) expect((await taskq.task(t.taskId))!.error).toBe(t.error);
    });
  });
}
