/**
 * The worker's last guard around describing what a function threw or
 * returned: `describeError` and `toOutcome` never throw (see
 * worker.hostile.test.ts), so a fault is injected here to show that, should
 * they ever throw (a stack overflow, an engine's own limit), the attempt still
 * ends `failed` with a placeholder and the worker goes on.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createTaskQ, ok, type Task, type TaskQ, type Worker, worker } from "../mod.ts";
import { UNDESCRIBABLE } from "../src/worker/describe.ts";
import { waitFor } from "./helpers.ts";

const fault = vi.hoisted(() => ({ on: false }));
const broken = () => {
  throw new RangeError("Maximum call stack size exceeded (injected)");
};
vi.mock("../src/worker/describe.ts", async (original) => {
  const real = await original<typeof import("../src/worker/describe.ts")>();
  return { ...real, describeError: (e: unknown) => (fault.on ? broken() : real.describeError(e)) };
});
vi.mock("../src/worker/outcome.ts", async (original) => {
  const real = await original<typeof import("../src/worker/outcome.ts")>();
  return { ...real, toOutcome: (v: unknown) => (fault.on ? broken() : real.toOutcome(v)) };
});

let taskq: TaskQ;
let w: Worker | undefined;
beforeEach(() => {
  taskq = createTaskQ({ url: ":memory:" });
});
afterEach(async () => {
  fault.on = false;
  await w?.stop();
  await taskq.close();
});

it("when describing a thrown or returned value throws, the attempt fails with a placeholder and the worker goes on", async () => {
  const [thrown, returned, good] = await taskq.createTasks([
    { topic: "t", data: "throw" },
    { topic: "t", data: "return", priority: 1 },
    { topic: "t", data: "good", priority: 2 },
  ]);
  w = worker({
    taskq,
    topic: "t",
    maxPollIntervalMs: 50,
    pfn: (task: Task) => {
      fault.on = task.data !== "good";
      if (task.data === "throw") throw new Error("kaput");
      return task.data === "return" ? ok("never read") : ok("fine");
    },
  });
  const errors: unknown[] = [];
  w.addEventListener("error", (e) => errors.push((e as CustomEvent).detail));
  const ended = (id: string) =>
    waitFor(
      async () => {
        const t = await taskq.task(id);
        return t && (t.status === "failed" || t.status === "terminated") ? t : null;
      },
      20_000,
      `task ${id} to end`,
    );
  expect(await ended(thrown.taskId)).toMatchObject({ status: "failed", error: UNDESCRIBABLE, attempts: 1 });
  expect(await ended(returned.taskId)).toMatchObject({ status: "failed", error: UNDESCRIBABLE, attempts: 1 });
  expect(await ended(good.taskId)).toMatchObject({ status: "terminated", result: "fine" });
  expect(errors).toEqual([]);
});
