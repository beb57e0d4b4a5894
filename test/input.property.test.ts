/**
 * Random option objects and task definitions thrown at createTaskQ, worker,
 * drain and createTask (fast-check): every refusal is a bad-request
 * TaskError whose message names each refused field, and a refusal writes
 * nothing. (The routes get the same treatment in http.property.test.ts.)
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, drain, ok, TaskError, type TaskQ, worker } from "../mod.ts";
import { isValidName, nameLike } from "./names.ts";

let taskq: TaskQ;
beforeAll(() => {
  taskq = createTaskQ({ url: ":memory:" });
});
afterAll(() => taskq.close());

const anyValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(null, undefined, "", 0, -1, 1.5, 2 ** 31, 1000, 60_000, [], {}, "t", "default"),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Objects whose keys are mostly the real ones, sometimes typos or strangers. */
const optionObject = (keys: string[], values: fc.Arbitrary<unknown> = anyValue) =>
  fc.dictionary(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...keys) },
      { weight: 1, arbitrary: fc.constantFrom(...keys).map((k) => k.slice(0, -1)) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
    ),
    values,
    { maxKeys: 6 },
  );
const input = (keys: string[], values?: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 9, arbitrary: optionObject(keys, values) }, { weight: 1, arbitrary: anyValue });

/** A refusal is a bad-request TaskError whose message names every refused field. */
function expectNamedRefusal(e: unknown, codes: string[]) {
  expect(e).toBeInstanceOf(TaskError);
  const err = e as TaskError;
  expect(err.type).toBe("bad-request");
  expect(codes).toContain(err.code);
  expect(err.issues?.length ?? 0).toBeGreaterThan(0);
  for (const issue of err.issues!) {
    if (issue.path) expect(err.message).toContain(`${issue.path} `);
    else expect(err.message).toMatch(/must be|cannot|not/);
  }
}

it("createTaskQ: a random options object opens a store or is refused by field", () => {
  const keys = [
    "url",
    "authToken",
    "client",
    "leaseTimeMs",
    "snoozeTimeMs",
    "maxDataBytes",
    "durability",
    "busyTimeoutMs",
    "busyRetryMs",
  ];
  // urls that open nothing on disk
  const values = fc.oneof(anyValue, fc.constantFrom(":memory:", "bogus://x", "http://", "normal", "full"));
  fc.assert(
    fc.property(input(keys, values), (o) => {
      if (o && typeof o === "object" && "url" in o && typeof o.url === "string" && /^file:|^[^:]*$/.test(o.url)) {
        o.url = ":memory:"; // a plain string or file: URL would make a database file here
      }
      try {
        const q = createTaskQ(o as never);
        void q.close();
      } catch (e) {
        expectNamedRefusal(e, ["invalid-options"]);
      }
    }),
    { numRuns: 400 },
  );
});

it("worker and drain: random options start (and are stopped) or are refused by field", async () => {
  const keys = ["taskq", "topic", "pfn", "pid", "leaseTimeMs", "keepaliveMs", "timeoutMs", "concurrency", "signal"];
  const values = fc.oneof(anyValue, fc.constantFrom(taskq, () => ok(), new AbortController().signal));
  await fc.assert(
    fc.asyncProperty(input([...keys, "maxPollIntervalMs"], values), async (o) => {
      try {
        await worker(o as never).stop();
      } catch (e) {
        expectNamedRefusal(e, ["invalid-options"]);
      }
    }),
    { numRuns: 300 },
  );
  await fc.assert(
    fc.asyncProperty(input([...keys, "budgetMs", "maxTasks"], values), async (o) => {
      const ac = new AbortController();
      ac.abort(); // a drain that starts ends at once
      try {
        await drain({ ...(o as object), signal: ac.signal } as never);
      } catch (e) {
        expectNamedRefusal(e, ["invalid-options"]);
      }
    }),
    { numRuns: 300 },
  );
});

it("createTask: a random definition is created or refused by field, and a refusal writes nothing", async () => {
  const keys = ["topic", "data", "taskId", "taskGroupId", "taskDescription", "subTopic", "timeoutMs"];
  await fc.assert(
    fc.asyncProperty(input(keys), async (def) => {
      const before = await taskq.countTasks();
      try {
        await taskq.createTask(def as never);
        expect(await taskq.countTasks()).toBe(before + 1);
      } catch (e) {
        if ((e as TaskError).code === "task-already-exists") return;
        if ((e as TaskError).code === "data-too-large") return;
        expectNamedRefusal(e, ["invalid-task"]);
        expect(await taskq.countTasks()).toBe(before);
      }
    }),
    { numRuns: 500 },
  );
});

it("createTasks: a random list is created whole, or refused for its first bad definition as createTask refuses it", async () => {
  // mostly definitions of topic and data alone (createTasks asks valibot once per topic for those), some not
  const bareish = fc.record(
    { topic: fc.constantFrom("t", "t", "t", "u", "", 7), data: fc.oneof(anyValue, fc.constant(() => 1)) },
    { requiredKeys: [] },
  );
  const def = fc.oneof({ weight: 8, arbitrary: bareish }, {
    weight: 1,
    arbitrary: input(["topic", "data", "priority"]),
  });
  const alone = createTaskQ({ url: ":memory:" }); // each definition, one createTask at a time
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(def, { minLength: 1, maxLength: 12 }), async (defs) => {
        let expected: { i: number; e: TaskError } | undefined;
        const one: unknown[] = [];
        for (let i = 0; i < defs.length && !expected; i++) {
          try {
            const t = await alone.createTask(defs[i] as never);
            one.push([t.topic, t.subTopic, t.priority, t.data, t.taskGroupId === t.taskId]);
          } catch (e) {
            expected = { i, e: e as TaskError };
          }
        }
        const before = await taskq.countTasks();
        try {
          const created = await taskq.createTasks(defs as never);
          expect(expected).toBeUndefined();
          expect(created.map((t) => [t.topic, t.subTopic, t.priority, t.data, t.taskGroupId === t.taskId])).toEqual(
            one,
          );
          expect(await taskq.countTasks()).toBe(before + defs.length);
        } catch (e) {
          if (!expected) throw e;
          const err = e as TaskError;
          expect([err.type, err.code]).toEqual([expected.e.type, expected.e.code]);
          expect(err.message).toBe(expected.e.message.replace(/^createTask/, `createTasks [${expected.i}]`));
          expect(await taskq.countTasks()).toBe(before);
        }
      }),
      { numRuns: 600 },
    );
  } finally {
    await alone.close();
  }
});

it("a random name is taken, and read back exactly, exactly when the rule allows it; else refused by field, writing nothing", async () => {
  const field = fc.constantFrom("topic", "subTopic", "taskId", "taskGroupId", "pid");
  let n = 0;
  await fc.assert(
    fc.asyncProperty(field, nameLike, async (f, name) => {
      const topic = `names-${n++}`;
      const before = await taskq.countTasks();
      const def = f === "pid" ? { topic } : { topic, [f]: name };
      try {
        const t = f === "pid"
          ? (await taskq.createTask(def), (await taskq.reserveTask(topic, name))!)
          : await taskq.createTask(def as never);
        expect(isValidName(name), JSON.stringify(name)).toBe(true);
        const back = (await taskq.task(t.taskId))!;
        expect(back[f as keyof typeof back]).toBe(name);
        if (f === "topic") expect((await taskq.topicStats()).some((s) => s.topic === name)).toBe(true);
        if (f === "taskGroupId") expect((await taskq.tasks(name)).map((x) => x.taskId)).toContain(t.taskId);
      } catch (e) {
        if ((e as TaskError).code === "task-already-exists") return;
        expect(isValidName(name), `${JSON.stringify(name)}: ${(e as Error).message}`).toBe(false);
        expectNamedRefusal(e, ["invalid-task"]);
        expect((e as TaskError).issues![0].path).toBe(f);
        expect(await taskq.countTasks()).toBe(before + (f === "pid" ? 1 : 0)); // (the pid's task was made first)
      }
    }),
    { numRuns: 400 },
  );
});

it("createTask of bare definitions ({ topic, data }) one by one: a topic taken before skips no check, any other still gets the rule's verdict", async () => {
  // createTask remembers the last topic it accepted in a bare definition and does not validate it again:
  // random names, each often repeated right after itself or after a refused one, must get the same verdict
  const names = fc.array(fc.oneof(nameLike, fc.constantFrom("t", "ok-topic", "", " t", "t\n")), {
    minLength: 1,
    maxLength: 6,
  });
  await fc.assert(
    fc.asyncProperty(names, fc.array(fc.nat(5), { maxLength: 12 }), async (pool, picks) => {
      for (const k of [0, ...picks, 0]) {
        const topic = pool[k % pool.length];
        const before = await taskq.countTasks();
        try {
          const t = await taskq.createTask({ topic, data: { k } });
          expect(isValidName(topic), JSON.stringify(topic)).toBe(true);
          expect((await taskq.task(t.taskId))!.topic).toBe(topic);
        } catch (e) {
          expect(isValidName(topic), `${JSON.stringify(topic)}: ${(e as Error).message}`).toBe(false);
          expectNamedRefusal(e, ["invalid-task"]);
          expect(await taskq.countTasks()).toBe(before);
        }
      }
    }),
    { numRuns: 150 },
  );
  // a topic read through a getter is read once: what was compared is what is stored
  await taskq.createTask({ topic: "getter-topic" });
  let reads = 0;
  const shifty = {
    get topic() {
      return reads++ === 0 ? "getter-topic" : "";
    },
    data: 1,
  };
  const t = await taskq.createTask(shifty as never);
  expect([t.topic, (await taskq.task(t.taskId))!.topic, reads]).toEqual(["getter-topic", "getter-topic", 1]);
});

it("a definition with a non-enumerable field is never taken as bare: valibot sees that field, seen topic or not", async () => {
  const hidden = (topic: string, key: string, value: unknown) => {
    const d: Record<string, unknown> = { topic, data: 1 };
    Object.defineProperty(d, key, { value, enumerable: false });
    return d;
  };
  for (const topic of ["hidden-a", "hidden-a"]) {
    const t = await taskq.createTask(hidden(topic, "taskId", `${topic}-${await taskq.countTasks()}`) as never);
    expect(t.taskId).toMatch(/^hidden-a-\d+$/);
    await expect(taskq.createTask(hidden(topic, "priority", "high") as never)).rejects.toThrow(/priority/);
  }
  // nor is one while Object.prototype carries a field (valibot reads fields with `in`, inherited ones too)
  await taskq.createTask({ topic: "hidden-a", data: 1 }); // its topic is the last one accepted bare
  Object.defineProperty(Object.prototype, "priority", { value: "high", configurable: true });
  try {
    await expect(taskq.createTask({ topic: "hidden-a", data: 2 })).rejects.toThrow(/priority/);
    await expect(taskq.createTasks([{ topic: "hidden-a" }, { topic: "hidden-a" }])).rejects.toThrow(/priority/);
  } finally {
    delete (Object.prototype as { priority?: unknown }).priority;
  }
  // a topic getter is read once on the path through valibot too
  let reads = 0;
  const fresh = {
    get topic() {
      reads++;
      return "getter-fresh-topic";
    },
    data: 1,
  };
  await taskq.createTask(fresh as never);
  expect(reads).toBe(1);
});
