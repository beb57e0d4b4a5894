/**
 * defineTask(): typed tasks over any Standard Schema v1 — the types (checked by `npm run typecheck`: each
 * `@ts-expect-error` below must be an error, so data typed `any` fails the build), create refusals naming the
 * schema's issues (library and HTTP, nothing written), data that no longer matches at run time failing the
 * attempt (worker and drain), result checks, and a valid flow end to end, on a real store.
 */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import * as v from "valibot";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { createTaskQ, defineTask, drain, failed, ok, snoozed, type Task, TaskError, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { rejection, tempDbUrl, uniq, waitFor } from "./helpers.ts";

/** An email task: `n` defaults to 1, `when` is an ISO timestamp the processor gets as a Date (a transform). */
const EmailSchema = v.object({
  to: v.pipe(v.string(), v.email("must be an email address")),
  n: v.optional(v.number(), 1),
  when: v.optional(v.pipe(v.string(), v.isoTimestamp(), v.transform((s) => new Date(s)))),
});
type EmailIn = { to: string; n?: number | undefined; when?: string | undefined };
type EmailOut = { to: string; n: number; when?: Date | undefined };

/** A Standard Schema written by hand, as a library other than valibot ships one: async, with a transform. */
function evenNumber(): StandardSchemaV1<number, { half: number }> {
  return {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: async (x) =>
        typeof x === "number" && x % 2 === 0
          ? { value: { half: x / 2 } }
          : { issues: [{ message: "must be an even number", path: [{ key: "value" }] }] },
    },
  };
}

let taskq: TaskQ;
let cleanup: () => Promise<void>;
let topic: string;
beforeEach(() => {
  const db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
  cleanup = async () => (await taskq.close(), db.cleanup());
  topic = uniq("email");
});
afterEach(() => cleanup());

const all = async () => (await taskq.listTasks({}, { limit: 1000 })).data;
/** The task once it is in `status`. */
const reachStatus = (taskId: string, status: string) =>
  waitFor(
    async () => {
      const t = await taskq.task(taskId);
      return t?.status === status ? t : null;
    },
    10_000,
    `task ${taskId} ${status}`,
  );

describe("types", () => {
  it("type the data a producer gives, the data a processor sees, and the result", () => {
    const email = defineTask({ topic: "email", schema: EmailSchema, result: v.object({ sentTo: v.string() }) });
    expectTypeOf(email.create).parameter(1).toEqualTypeOf<EmailIn>();
    expectTypeOf(email.create).returns.toEqualTypeOf<Promise<Task<EmailIn>>>();
    expectTypeOf(email.parse).returns.toEqualTypeOf<Promise<EmailOut>>();
    expectTypeOf(email.processor).parameter(0).parameter(0).toEqualTypeOf<Task<EmailOut>>();
    const even = defineTask({ topic: "even", schema: evenNumber() });
    expectTypeOf(even.create).parameter(1).toEqualTypeOf<number>();
    expectTypeOf(even.processor).parameter(0).parameter(0).toEqualTypeOf<Task<{ half: number }>>();

    // Compiled, never run: each line marked must not compile.
    const never = (): void => {
      void email.create(taskq, { to: "ada@example.com" });
      // @ts-expect-error a field of the wrong type
      void email.create(taskq, { to: 42 });
      // @ts-expect-error a required field missing
      void email.create(taskq, { n: 2 });
      // @ts-expect-error an unknown task setting
      void email.create(taskq, { to: "ada@example.com" }, { priorty: 1 });
      // @ts-expect-error the topic is the definition's
      void email.create(taskq, { to: "ada@example.com" }, { topic: "other" });
      // @ts-expect-error an item's data of the wrong type
      void email.createMany(taskq, [{ data: { to: 1 } }]);
      email.worker({
        taskq,
        pfn: (task) => {
          const n: number = task.data.n; // the default applied: a number, not number | undefined
          const when: Date | undefined = task.data.when;
          // @ts-expect-error no such field
          void task.data.from;
          return n > 0 && when ? snoozed(1000) : ok({ sentTo: task.data.to });
        },
      });
      // @ts-expect-error a result the result schema does not take
      email.worker({ taskq, pfn: () => ok({ sentTo: 1 }) });
      // @ts-expect-error the topic is the definition's
      email.worker({ taskq, topic: "other", pfn: () => ok() });
      void email.drain({ taskq, pfn: () => failed("no") });
      // @ts-expect-error a result the result schema does not take
      void email.drain({ taskq, pfn: async () => ok({ sent: true }) });
      // @ts-expect-error data of the wrong type
      void even.create(taskq, "2");
    };
    void never;
  });
});

describe("create", () => {
  it("validates and creates; the stored data is what was given, defaults of the definition applied", async () => {
    const email = defineTask({ topic, schema: EmailSchema, maxAttempts: 3, priority: -1, subTopic: "welcome" });
    const t = await email.create(taskq, { to: "ada@example.com" }, { taskId: uniq("t"), priority: 5 });
    expect(t).toMatchObject({
      topic,
      data: { to: "ada@example.com" },
      maxAttempts: 3,
      priority: 5,
      subTopic: "welcome",
    });
    const many = await email.createMany(taskq, [{ data: { to: "a@example.com" } }, {
      data: { to: "b@example.com", n: 2 },
    }]);
    expect(many.map((m) => m.data)).toEqual([{ to: "a@example.com" }, { to: "b@example.com", n: 2 }]);
    expect(await all()).toHaveLength(3);
  });

  it("refuses data the schema refuses: bad-request/invalid-task naming each issue under data.; nothing written", async () => {
    const email = defineTask({ topic, schema: EmailSchema });
    const e = await rejection(email.create(taskq, { to: "nope", n: "2" } as never));
    expect(e).toBeInstanceOf(TaskError);
    expect(e).toMatchObject({ type: "bad-request", code: "invalid-task", details: { topic } });
    expect(e.issues).toEqual([
      { path: "data.to", message: "must be an email address" },
      { path: "data.n", message: expect.stringContaining("number") },
    ]);
    expect(e.message).toContain("data.to must be an email address");
    // createMany: the first refused item by index; none of the items is written
    const m = await rejection(email.createMany(taskq, [{ data: { to: "a@example.com" } }, { data: { to: "x" } }]));
    expect(m).toMatchObject({ code: "invalid-task", details: { topic, index: 1 } });
    expect(m.issues).toEqual([{ path: "data.to", message: "must be an email address" }]);
    // an async hand-written schema: its issues too
    const even = defineTask({ topic, schema: evenNumber() });
    expect((await rejection(even.create(taskq, 3))).issues).toEqual([{
      path: "data.value",
      message: "must be an even number",
    }]);
    // a create option naming the topic or data is refused, not ignored
    const o = await rejection(email.create(taskq, { to: "a@example.com" }, { topic: "x" } as never));
    expect(o.issues).toEqual([{ path: "topic", message: expect.stringContaining("given by the definition") }]);
    expect(await all()).toEqual([]);
  });

  it("defineTask refuses what is not a Standard Schema, an unknown option and a bad default, by name", async () => {
    const bad = (o: unknown) => rejection(() => defineTask(o as never));
    expect(await bad({ topic, schema: { parse() {} } })).toMatchObject({
      code: "invalid-options",
      issues: [{ path: "schema", message: expect.stringContaining("Standard Schema") }],
    });
    expect((await bad({ topic, schema: EmailSchema, maxAttempt: 3 })).issues[0]).toMatchObject({
      path: "maxAttempt",
      message: expect.stringContaining('did you mean "maxAttempts"'),
    });
    expect((await bad({ topic, schema: EmailSchema, priority: 0.5 })).issues[0].path).toBe("priority");
    expect((await bad({ topic: "", schema: EmailSchema })).issues[0].path).toBe("topic");
  });

  it("parse() gives the schema's output, or the refusal", async () => {
    const email = defineTask({ topic, schema: EmailSchema });
    const out = await email.parse({ to: "a@example.com", when: "2026-01-02T03:04:05Z" });
    expect(out.n).toBe(1);
    expect(out.when).toBeInstanceOf(Date);
    expect((await rejection(email.parse({}))).issues[0].path).toBe("data.to");
  });
});

describe("HTTP: sokkaRoutes({ tasks })", () => {
  const post = (app: ReturnType<typeof sokkaRoutes>, path: string, body: unknown) =>
    app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("POST /tasks checks the data of defined topics: 400 naming data.…, nothing written; other topics pass", async () => {
    const email = defineTask({ topic, schema: EmailSchema });
    const app = sokkaRoutes({ taskq, tasks: [email] });
    const res = await post(app, "/tasks", { topic, data: { to: "nope" } });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ type: "bad-request", code: "invalid-task" });
    expect(error.issues).toEqual([{ path: "data.to", message: "must be an email address" }]);
    expect(error.message).toContain("data.to must be an email address");
    expect((await post(app, "/tasks", { topic })).status).toBe(400); // no data at all: the schema refuses undefined
    expect(await all()).toEqual([]);
    expect((await post(app, "/tasks", { topic: "other", data: 42 })).status).toBe(201);
    const ok201 = await post(app, "/tasks", { topic, data: { to: "ada@example.com" } });
    expect(ok201.status).toBe(201);
    expect((await ok201.json()).data).toEqual({ to: "ada@example.com" });
  });

  it("POST /tasks/batch: the refused item named tasks.<index>.data.…, none written", async () => {
    const app = sokkaRoutes({ taskq, tasks: [defineTask({ topic, schema: EmailSchema })] });
    const body = { tasks: [{ topic, data: { to: "a@example.com" } }, { topic: "other" }, { topic, data: { to: 1 } }] };
    const res = await post(app, "/tasks/batch", body);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: "invalid-task" });
    expect(error.issues).toEqual([{ path: "tasks.2.data.to", message: expect.any(String) }]);
    expect(await all()).toEqual([]);
    body.tasks[2].data = { to: "b@example.com" };
    expect((await post(app, "/tasks/batch", body)).status).toBe(201);
    expect(await all()).toHaveLength(3);
  });

  it("refuses two definitions of one topic and what defineTask did not make", async () => {
    const d = defineTask({ topic, schema: EmailSchema });
    const two = await rejection(() => sokkaRoutes({ taskq, tasks: [d, defineTask({ topic, schema: v.string() })] }));
    expect(two).toMatchObject({ code: "invalid-options", issues: [{ path: "tasks.1" }] });
    const fake = await rejection(() => sokkaRoutes({ taskq, tasks: [{ ...d }] }));
    expect(fake).toMatchObject({ code: "invalid-options", issues: [{ path: "tasks.0" }] });
  });
});

describe("run time: worker and drain", () => {
  const result = v.object({ sentTo: v.string(), n: v.number(), year: v.optional(v.number()) });

  it("a valid flow end to end: created over HTTP, the processor sees the schema's output, the result is kept", async () => {
    const email = defineTask({ topic, schema: EmailSchema, result });
    const app = sokkaRoutes({ taskq, tasks: [email] });
    const res = await app.request("/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic, data: { to: "ada@example.com", when: "2026-01-02T03:04:05Z" } }),
    });
    const { taskId } = await res.json();
    const seen: EmailOut[] = [];
    const w = email.worker({
      taskq,
      pfn: (task) => {
        seen.push(task.data);
        return ok({ sentTo: task.data.to, n: task.data.n, year: task.data.when?.getUTCFullYear() });
      },
    });
    const done = await reachStatus(taskId, "terminated");
    await w.stop();
    expect(seen).toHaveLength(1);
    expect(seen[0].when).toBeInstanceOf(Date);
    expect(done.result).toEqual({ sentTo: "ada@example.com", n: 1, year: 2026 });
    expect(done.data).toEqual({ to: "ada@example.com", when: "2026-01-02T03:04:05Z" }); // stored as given
  });

  it("worker: data that no longer matches fails the attempt with the schema's message; the worker goes on", async () => {
    // written before a deploy changed the schema, by a producer that did not go through the definition
    const old = await taskq.createTask({ topic, data: { email: "ada@example.com" } });
    const email = defineTask({ topic, schema: EmailSchema });
    let calls = 0;
    const w = email.worker({ taskq, pfn: () => (calls++, ok()) });
    const errors: unknown[] = [];
    w.addEventListener("error", (e) => errors.push(e.detail));
    const t = await reachStatus(old.taskId, "failed");
    expect(t.error).toBe(
      `task data does not match the schema of topic "${topic}": data.to ${
        (await rejection(email.parse({}))).issues[0].message
      }`,
    );
    expect(calls).toBe(0);
    // the worker still runs: a matching task after it completes
    const good = await email.create(taskq, { to: "ada@example.com" });
    await reachStatus(good.taskId, "terminated");
    expect(calls).toBe(1);
    await w.stop();
    expect(errors).toEqual([]);
  });

  it("drain: a mismatch is a failed task in its result; a schema that throws fails the attempt too", async () => {
    await taskq.createTasks<unknown>([{ topic, data: 4 }, { topic, data: 3 }, { topic, data: "x" }]);
    const even = defineTask({ topic, schema: evenNumber() });
    const halves: number[] = [];
    const r = await drain({ taskq, topic, pfn: even.processor((task) => (halves.push(task.data.half), ok())) });
    expect(r).toMatchObject({ reserved: 3, completed: 1, failed: 2 });
    expect(halves).toEqual([2]);
    const failedOnes = (await taskq.listTasks({ topic, status: "failed" })).data;
    expect(failedOnes.map((t) => t.error)).toEqual([
      `task data does not match the schema of topic "${topic}": data.value must be an even number`,
      `task data does not match the schema of topic "${topic}": data.value must be an even number`,
    ]);

    const topic2 = uniq("throws");
    const throwing: StandardSchemaV1<string> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: () => {
          throw new RangeError("schema bug");
        },
      },
    };
    await taskq.createTask({ topic: topic2, data: "a" });
    const d = defineTask({ topic: topic2, schema: throwing });
    expect(await d.drain({ taskq, pfn: () => ok() })).toMatchObject({ reserved: 1, failed: 1 });
    const [t] = (await taskq.listTasks({ topic: topic2 })).data;
    expect(t.error).toMatch(
      /^task data does not match the schema of topic ".*": data could not be checked: the schema threw RangeError: schema bug/,
    );
  });

  it("a result the result schema refuses fails the attempt and is not written; with attempts left it is retried", async () => {
    const email = defineTask({
      topic,
      schema: EmailSchema,
      result,
      maxAttempts: 2,
      backoff: { type: "fixed", delayMs: 0 },
    });
    const t = await email.create(taskq, { to: "ada@example.com" });
    let n = 0;
    const r = await email.drain({
      taskq,
      pfn: (task) => (n++ === 0 ? ok({ sentTo: 42 } as never) : ok({ sentTo: task.data.to, n: 2 })),
    });
    expect(r).toMatchObject({ reserved: 2, completed: 1 });
    const done = await taskq.task(t.taskId);
    expect(done).toMatchObject({ status: "terminated", failures: 1, result: { sentTo: "ada@example.com", n: 2 } });

    const t2 = await email.create(taskq, { to: "b@example.com" }, { maxAttempts: 1 });
    await email.drain({ taskq, pfn: () => ok({ sentTo: 42 } as never) });
    const f = await taskq.task(t2.taskId);
    expect(f).toMatchObject({ status: "failed", result: null });
    expect(f!.error).toContain(`result does not match the result schema of topic "${topic}": result.sentTo`);
  });

  it("refuses a worker or drain option naming a topic; passes other bad options to the worker's own checks", async () => {
    const email = defineTask({ topic, schema: EmailSchema });
    const e = await rejection(() => email.worker({ taskq, topic: "x", pfn: () => ok() } as never));
    expect(e).toMatchObject({ code: "invalid-options", issues: [{ path: "topic" }] });
    const p = await rejection(email.drain({ taskq, pfn: 1 } as never));
    expect(p).toMatchObject({ code: "invalid-options", issues: [{ path: "pfn", message: "must be a function" }] });
  });
});

describe("what a review found", () => {
  it("data left out is checked as what is stored (null): a schema that refuses null refuses it at create", async () => {
    const taskq = createTaskQ({ url: ":memory:" });
    try {
      const def = defineTask({ topic: uniq("opt"), schema: v.optional(v.object({ a: v.string() })) });
      const e = await rejection(() => def.create(taskq, undefined));
      expect({ type: e.type, code: e.code }).toEqual({ type: "bad-request", code: "invalid-task" });
      expect((await taskq.listTasks({ topic: def.topic })).data).toEqual([]);
      const app = sokkaRoutes({ taskq, tasks: [def] });
      const res = await app.request("/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ topic: def.topic }),
      });
      expect(res.status).toBe(400);
    } finally {
      await taskq.close();
    }
  });

  it("a schema that throws is named in the 400 by its error's name and message, never its stack", async () => {
    const taskq = createTaskQ({ url: ":memory:" });
    try {
      const throwing: StandardSchemaV1<unknown, unknown> = {
        "~standard": {
          version: 1,
          vendor: "test",
          validate: () => {
            throw new Error("boom");
          },
        },
      };
      const def = defineTask({ topic: uniq("throws"), schema: throwing });
      const app = sokkaRoutes({ taskq, tasks: [def] });
      const res = await app.request("/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ topic: def.topic, data: 1 }),
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toContain("the schema threw Error: boom");
      expect(text).not.toMatch(/\bat |file:\/\//);
    } finally {
      await taskq.close();
    }
  });
});
