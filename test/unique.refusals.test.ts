/**
 * Two refusals of unique tasks that must be a `TaskError` with a code the
 * caller can act on (never `internal-error`, a 500 over HTTP), writing
 * nothing. Both FAIL on the core as merged (fcaea0d): see each test.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, TaskError, type TaskQ } from "../mod.ts";
import { rejection } from "./helpers.ts";

describe("unique tasks: refusals name the holder", () => {
  let q: TaskQ;
  beforeEach(() => {
    q = createTaskQ({ url: ":memory:" });
  });
  afterEach(() => q.close());

  // RELEASE (src/libsql/statements/operator.ts) has no HOLD_FREE guard: a held debounce task does not hold its key
  // (only `starting` does), so a create meanwhile makes a second task; releasing the first then breaks the unique
  // index, and the constraint error comes out as internal-error.
  it("releasing a held debounce task while a newer one holds its key is unique-key-held, nothing changed", async () => {
    const unique = { debounceMs: 60_000 };
    const first = await q.enqueue({ topic: "t", uniqueKey: "k", unique });
    await q.holdTask(first.task.taskId);
    const second = await q.enqueue({ topic: "t", uniqueKey: "k", unique });
    expect(second.deduplicated).toBe(false); // held: the key was free
    const e = await rejection(q.releaseTask(first.task.taskId));
    expect(e).toBeInstanceOf(TaskError);
    expect([e.type, e.code, e.details?.taskId]).toEqual(["conflict", "unique-key-held", second.task.taskId]);
    expect((await q.task(first.task.taskId))!.status).toBe("held");
  });

  // createNodes/explain (src/libsql/flows.ts) looks the holder up with a read after the transaction rolled back:
  // when the holder is an earlier definition of the same call, it does not exist, explain() finds nothing, and the
  // constraint error is rethrown as internal-error.
  it("onDuplicate error against an earlier definition of the same createTasks call is duplicate-task", async () => {
    const e = await rejection(q.enqueueMany([
      { topic: "t", uniqueKey: "k" },
      { topic: "t", uniqueKey: "k", onDuplicate: "error" },
    ]));
    expect(e).toBeInstanceOf(TaskError);
    expect([e.type, e.code, e.details?.index]).toEqual(["conflict", "duplicate-task", 1]);
    expect(await q.countTasks({ topic: "t" })).toBe(0);
  });
});
