/**
 * Hostile values thrown or returned by a processor function (issue 25): an
 * error that is its own cause, a 20,000-deep cause chain, getters that throw,
 * a null-prototype object whose toJSON throws, revoked proxies, an outcome
 * whose `event` getter throws, a result that cannot be read. Each ends its
 * attempt `failed` with a message, written to the store, with a `failed` event
 * and no `error` event, and the worker (or drain) goes on with the next task.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, drain, ok, type ProcessorFn, type Task, type TaskQ, type Worker, worker } from "../mod.ts";
import { UNDESCRIBABLE } from "../src/worker/describe.ts";
import { INVALID_RESPONSE } from "../src/worker/outcome.ts";
import { MAX_ERROR_CHARS } from "../src/schemas.ts";
import { tempDbUrl, waitFor } from "./helpers.ts";

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
const workers: Worker[] = [];

beforeEach(() => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await taskq.close();
  db.cleanup();
});

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

function chain(depth: number): Error {
  let e = new Error("0");
  for (let i = 1; i <= depth; i++) e = new Error(String(i), { cause: e });
  return e;
}

/** The seven hostile behaviours of issue 25 and what the stored error must say. */
const CASES: [string, () => unknown, RegExp | string][] = [
  ["an error that is its own cause", () => {
    const e = new Error("loop");
    e.cause = e;
    throw e;
  }, /^Error: loop\n[\s\S]*Caused by: \(a cycle: an error already described above\)$/],
  ["a 20,000-deep cause chain", () => {
    throw chain(20_000);
  }, /^Error: 20000\n[\s\S]*Caused by: Error: 19999\n[\s\S]*…\(truncated\)$/],
  ["an Error whose message getter throws", () => {
    const e = new Error("hidden");
    Object.defineProperty(e, "message", {
      get() {
        throw new Error("no message for you");
      },
    });
    throw e;
  }, /^Error: \(its message could not be read\)/],
  ["a null-prototype object whose toJSON throws", () => {
    throw Object.assign(Object.create(null), {
      toJSON() {
        throw new Error("no JSON for you");
      },
    });
  }, UNDESCRIBABLE],
  ["a revoked Proxy, thrown", () => {
    throw revoked();
  }, UNDESCRIBABLE],
  ["a revoked Proxy, returned", () => revoked(), /^TypeError: /],
  ["an outcome with a throwing event getter", () => ({
    get event() {
      throw new Error("no event for you");
    },
  }), new RegExp(`^${INVALID_RESPONSE}: reading it threw Error: no event for you\\n`)],
  // found by the property test: an empty string thrown stored an empty error
  ["an empty string, thrown", () => {
    throw "";
  }, '(a thrown string: "")'],
  ["a blank string, thrown", () => {
    throw " \n";
  }, '(a thrown string: " \\n")'],
];

/** An error whose cause is made only when read, a new one each time: a chain without end and without a cycle. */
function endless(n = 0): Error {
  const e = new Error(String(n));
  Object.defineProperty(e, "cause", { get: () => endless(n + 1) });
  return e;
}

/** Causes that are hostile in turn, and how each is described after its error's own text. */
const CAUSES: [string, () => unknown, string][] = [
  ["a revoked Proxy", revoked, UNDESCRIBABLE],
  ["a null-prototype object whose toJSON throws", () =>
    Object.assign(Object.create(null), {
      toJSON() {
        throw new Error("no JSON for you");
      },
    }), UNDESCRIBABLE],
  ["an object that contains itself", () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    return o;
  }, "[object Object]"],
  ["an Error whose cause getter throws", () =>
    Object.defineProperty(new Error("inner"), "cause", {
      get() {
        throw revoked();
      },
    }), "(its cause could not be read)"],
];

function events(w: Worker, name: string): unknown[] {
  const out: unknown[] = [];
  w.addEventListener(name, (e) => out.push((e as CustomEvent).detail));
  return out;
}

const settled = (id: string) =>
  waitFor(
    async () => {
      const t = await taskq.task(id);
      return t !== null && (t.status === "failed" || t.status === "terminated") ? t : null;
    },
    20_000,
    `task ${id} to end`,
  );

describe("a worker given hostile values", () => {
  it.each(CASES)("%s: the attempt fails with a message, the worker goes on", async (_name, hostile, expected) => {
    const [bad, good] = await taskq.createTasks([{ topic: "t", data: "bad" }, {
      topic: "t",
      data: "good",
      priority: 1,
    }]);
    const runs = new Map<string, number>();
    const w = worker({
      taskq,
      topic: "t",
      maxPollIntervalMs: 50,
      leaseTimeMs: 2_000, // were it left running, it would run again soon
      pfn: ((task: Task) => {
        runs.set(task.taskId, (runs.get(task.taskId) ?? 0) + 1);
        return task.data === "bad" ? hostile() : ok("fine");
      }) as ProcessorFn,
    });
    workers.push(w);
    const failedEv = events(w, "failed") as Task[];
    const errors = events(w, "error");
    const done = await settled(bad.taskId);
    expect(done).toMatchObject({ status: "failed", attempts: 1, pid: null, leaseId: null });
    expect(typeof done.error).toBe("string");
    expect(done.error!.length).toBeGreaterThan(0);
    expect(done.error!.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
    if (typeof expected === "string") expect(done.error).toBe(expected);
    else expect(done.error).toMatch(expected);
    // the worker goes on: the next task completes
    expect(await settled(good.taskId)).toMatchObject({ status: "terminated", result: "fine" });
    await waitFor(() => failedEv.length === 1, 5_000, "the failed event");
    expect(failedEv[0]).toMatchObject({ taskId: bad.taskId, status: "failed", error: done.error });
    expect(errors).toEqual([]);
    expect(runs.get(bad.taskId)).toBe(1);
    await w.stop();
    expect(await taskq.task(bad.taskId)).toEqual(done); // not run again, not touched
  });

  it("an endless cause chain (each cause made when read) is described up to the cap", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const w = worker({
      taskq,
      topic: "t",
      maxPollIntervalMs: 50,
      pfn: () => {
        throw endless();
      },
    });
    workers.push(w);
    const done = await settled(t.taskId);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/^Error: 0\n[\s\S]*Caused by: Error: 1\n[\s\S]*…\(truncated\)$/);
    expect(done.error!.length).toBe(MAX_ERROR_CHARS);
  });

  it.each(CAUSES)(
    "an error caused by %s: its own text, then what can be said of the cause",
    async (_n, cause, said) => {
      const t = await taskq.createTask({ topic: "t" });
      const w = worker({
        taskq,
        topic: "t",
        maxPollIntervalMs: 50,
        pfn: () => {
          throw new Error("top", { cause: cause() });
        },
      });
      workers.push(w);
      const done = await settled(t.taskId);
      expect(done.status).toBe("failed");
      expect(done.error).toMatch(/^Error: top\n/);
      expect(done.error!.endsWith(`\nCaused by: ${said}`)).toBe(true);
    },
  );

  it("ok(result) with a result that cannot be read fails the attempt, saying why; the other outcomes of the tick stand", async () => {
    const getterThrows = {
      get x() {
        throw new Error("no x");
      },
    };
    const throwsUndefined = {
      get x() {
        throw undefined;
      },
    };
    const results: Record<string, unknown> = { revoked: revoked(), getterThrows, throwsUndefined, big: 10n };
    const names = Object.keys(results);
    const tasks = await taskq.createTasks(
      [...names, "plain", "plain"].map((data, i) => ({ topic: "t", data, priority: i })),
    );
    const w = worker({
      taskq,
      topic: "t",
      concurrency: 6, // the outcomes go out together, in one batch
      maxPollIntervalMs: 50,
      pfn: ((task: Task<string>) => ok(task.data in results ? results[task.data] : task.data)) as ProcessorFn,
    });
    workers.push(w);
    const errors = events(w, "error");
    const done = await Promise.all(tasks.map((t) => settled(t.taskId)));
    for (const t of done.slice(0, names.length)) {
      expect(t).toMatchObject({ status: "failed", result: null });
      expect(t.error).toMatch(/^ok\(result\) was refused: /);
    }
    expect(done[0].error).toContain("result could not be read");
    expect(done[3].error).toContain("result is a bigint"); // the usual refusal
    expect(done.slice(names.length).map((t) => [t.status, t.result])).toEqual([["terminated", "plain"], [
      "terminated",
      "plain",
    ]]);
    expect(errors).toEqual([]);
  });

  it("createTask refuses data whose getters throw as it refuses any other data JSON cannot carry", async () => {
    const data = {
      get x() {
        throw revoked();
      },
    };
    const e = await taskq.createTask({ topic: "t", data }).catch((e: unknown) => e);
    expect(e).toMatchObject({
      code: "invalid-task",
      message: "createTask: data could not be read as JSON (reading it threw)",
    });
    expect(await taskq.countTasks()).toBe(0);
  });

  it("a thrown value whose description would be huge is stored bounded", async () => {
    const huge: Record<string, () => unknown> = {
      "a long message": () => {
        throw new Error("m".repeat(5_000_000));
      },
      "a long string": () => {
        throw "s".repeat(5_000_000);
      },
      "a wide object": () => {
        throw { items: Array.from({ length: 1_000_000 }, (_, i) => ({ i })) };
      },
      "a deep object": () => {
        let o: unknown = {};
        for (let i = 0; i < 100_000; i++) o = { o };
        throw o;
      },
      "a long array whose last item cannot be read": () => {
        // its start is written as JSON, its end never read: the array is cut where the text would be
        throw [...Array(100_000).fill(0), {
          toJSON() {
            throw new Error("never read");
          },
        }];
      },
      "a long chain of long messages": () => {
        let e = new Error("x".repeat(100_000));
        for (let i = 0; i < 1_000; i++) e = new Error("y".repeat(100_000), { cause: e });
        throw e;
      },
    };
    const tasks = await taskq.createTasks(Object.keys(huge).map((data) => ({ topic: "t", data })));
    const w = worker({
      taskq,
      topic: "t",
      maxPollIntervalMs: 50,
      pfn: ((task: Task<string>) => huge[task.data]()) as ProcessorFn,
    });
    workers.push(w);
    const errors = events(w, "error");
    const done = await Promise.all(tasks.map((t) => settled(t.taskId)));
    for (const t of done) {
      expect(t.status).toBe("failed");
      expect(t.error!.length).toBeGreaterThan(0);
      expect(t.error!.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
    }
    expect(done[0].error).toMatch(/^Error: m{100}/);
    expect(done[1].error).toMatch(/^s{3988}…\(truncated\)$/);
    expect(done[2].error).toMatch(/^\{"items":\[\{"i":0\},\{"i":1\},/); // as JSON.stringify begins it
    expect(done[2].error).toMatch(/…\(truncated\)$/);
    expect(done[4].error).toMatch(/^\[0,0,0,[0,]+…\(truncated\)$/);
    expect(errors).toEqual([]);
  });
});

describe("drain given hostile values", () => {
  it("ends every hostile attempt failed with a message and counts it", async () => {
    const tasks = await taskq.createTasks(CASES.map((_c, i) => ({ topic: "d", data: i })));
    await taskq.createTask({ topic: "d", data: "good" });
    const r = await drain({
      taskq,
      topic: "d",
      concurrency: 3,
      pfn: ((task: Task) => typeof task.data === "number" ? CASES[task.data][1]() : ok()) as ProcessorFn,
    });
    expect(r).toMatchObject({ reserved: CASES.length + 1, failed: CASES.length, completed: 1, lost: 0 });
    for (const [i, t] of tasks.entries()) {
      const done = (await taskq.task(t.taskId))!;
      expect(done.status).toBe("failed");
      const expected = CASES[i][2];
      if (typeof expected === "string") expect(done.error).toBe(expected);
      else expect(done.error).toMatch(expected);
    }
  });
});
