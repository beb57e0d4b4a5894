/**
 * What a refusal says: sokka's own words naming the field and what it must be
 * (never valibot's default text), a "did you mean" that finds the field meant
 * (a typo, or another queue's name for it), characters counted as characters,
 * and inputs that make no sense refused rather than stored.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createTaskQ, defineTask, ok, type TaskError, type TaskQ, worker } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { toTaskError } from "../src/libsql/driver-errors.ts";
import { freePort } from "./processes.ts";

const taskq: TaskQ = createTaskQ({ url: ":memory:" });
afterAll(() => taskq.close());
const app = sokkaRoutes({ taskq });

async function refusal(p: Promise<unknown>): Promise<TaskError> {
  try {
    await p;
  } catch (e) {
    return e as TaskError;
  }
  throw new Error("accepted");
}

/** valibot's own default wording ("Invalid type: Expected string but received 5", "Invalid timestamp: Received …"). */
const VALIBOT_DEFAULT = /Invalid (type|value|length|key|timestamp|format)|Received |Expected |but received/;

describe("refusals in sokka's words", () => {
  const bad: Record<string, unknown[]> = {
    topic: [5, "", " x", "a\u0000b", "x".repeat(256), null, {}],
    data: [() => 1, Symbol("s"), 10n],
    taskId: [5, "", "x".repeat(256)],
    taskGroupId: [5, ""],
    taskDescription: [5, "x".repeat(10_001)],
    subTopic: [5, ""],
    timeoutMs: [0, -1, 1.5, 2 ** 31, "5", Infinity, NaN],
    priority: [1.5, 2 ** 60, -(2 ** 60), "1", NaN],
    maxAttempts: [0, 10_001, 1.5, "3"],
    backoff: [{}, { type: "linear" }, { type: "fixed" }, { type: "exponential", baseMs: 0 }, "fixed", []],
    runAt: ["tomorrow", 1e300, -1, 1.5, new Date(NaN), {}, true, "2026-13-45T99:00:00Z"],
    delayMs: [-5, 1.5, 2 ** 31, "5"],
  };
  for (const [field, values] of Object.entries(bad)) {
    it(`createTask: every bad ${field} is named, in sokka's words`, async () => {
      for (const value of values) {
        const e = await refusal(taskq.createTask({ topic: "t", [field]: value }));
        expect(e.code, `${field}=${String(value)}`).toMatch(/^invalid-task$|^data-/);
        expect(e.message, `${field}=${String(value)}`).toContain(field);
        expect(e.message, `${field}=${String(value)}`).not.toMatch(VALIBOT_DEFAULT);
      }
    });
  }

  it("listTasks and GET /tasks: bad filters in sokka's words", async () => {
    for (const filters of [{ from: "yesterday" }, { to: -1 }, { status: "done" }, { from: 1.5 }, { to: {} }]) {
      const e = await refusal(taskq.listTasks(filters as never));
      expect(e.message).not.toMatch(VALIBOT_DEFAULT);
      expect(e.message).toContain(Object.keys(filters)[0]);
    }
    for (const q of ["from=yesterday", "to=-1", "limit=0", "order=up", "status=done"]) {
      const body = await (await app.request(`/tasks?${q}`)).json();
      expect(body.error.message, q).not.toMatch(VALIBOT_DEFAULT);
    }
  });

  it("runAt says what it takes", async () => {
    const e = await refusal(taskq.createTask({ topic: "t", runAt: "tomorrow" }));
    expect(e.message).toBe(
      'createTask: runAt must be an ISO 8601 timestamp of a real date with its offset, such as "2026-12-05T12:00:00Z" or ' +
        '"2026-12-05T13:00:00+01:00", not "tomorrow"',
    );
  });
});

it("a call to a closed store is named, as every other refusal", async () => {
  const closed = createTaskQ({ url: ":memory:" });
  await closed.countTasks();
  await closed.close();
  const e = await refusal(closed.createTask({ topic: "t" }));
  expect([e.code, e.message]).toEqual(["store-closed", "createTask: the store is closed"]);
  expect((await refusal(closed.listTasks())).message).toMatch(/^listTasks: the store is closed$/);
});

describe("did you mean", () => {
  const create: [string, string][] = [
    ["topik", "topic"],
    ["description", "taskDescription"],
    ["groupId", "taskGroupId"],
    ["id", "taskId"],
    ["attempts", "maxAttempts"],
    ["handler", "topic"],
    ["payload", "data"],
    ["timeout", "timeoutMs"],
    ["delay", "delayMs"],
    ["retries", "maxAttempts"],
    ["runAfter", "runAt"],
  ];
  for (const [typo, meant] of create) {
    it(`createTask: ${typo} → ${meant}`, async () => {
      const e = await refusal(taskq.createTask({ topic: "t", [typo]: 1 } as never));
      expect(e.message).toContain(`${typo} is not a field of a task definition (did you mean "${meant}"?)`);
    });
  }

  it("the same suggestion in a listing as in a create (topik → topic, not to)", async () => {
    const e = await refusal(taskq.listTasks({ topik: "t" } as never));
    expect(e.message).toContain('(did you mean "topic"?)');
    const body = await (await app.request("/tasks?topik=t")).json();
    expect(body.error.message).toContain('(did you mean "topic"?)');
  });

  it("an unknown field of a POST /writes item is named with the fields of its op and the closest one", async () => {
    const res = await app.request("/writes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ writes: [{ op: "fail", taskId: "a", pid: "p", leaseId: "l", errorMesage: "x" }] }),
    });
    expect((await res.json()).error.message).toBe(
      'body: writes.0.errorMesage is not a field of a fail write (did you mean "errorMessage"?); ' +
        "known: op, taskId, pid, leaseId, errorMessage, error, retry",
    );
  });

  it("a worker's handler → pfn, not topic; a task definition's handler says where the function goes", async () => {
    const w = await refusal(
      Promise.resolve().then(() => worker({ taskq, topic: "t", pfn: () => ok(), handler: () => ok() } as never)),
    );
    expect(w.message).toContain('handler is not a field of worker options (did you mean "pfn"?)');
    // a task definition has none: it says where the function goes
    const d = await refusal(Promise.resolve().then(() => defineTask({ topic: "t", handler: () => ok() } as never)));
    expect(d.message).toContain(
      "handler is not a field of defineTask options (the task's function goes to its worker({ pfn }), drain({ pfn }) or processor(pfn))",
    );
  });

  it("another queue's status name is refused with sokka's (completed → terminated, waiting → starting)", async () => {
    for (const [theirs, ours] of [["completed", "terminated"], ["waiting", "starting"], ["active", "running"]]) {
      const e = await refusal(taskq.listTasks({ status: theirs } as never));
      expect(e.message).toContain(`status must be one of starting, running`);
      expect(e.message).toContain(`("${theirs}" is ${ours} here)`);
      const body = await (await app.request(`/tasks?status=${theirs}`)).json();
      expect(body.error.message).toContain(`("${theirs}" is ${ours} here)`);
    }
    // a name no queue uses gets the list alone
    expect((await refusal(taskq.listTasks({ status: "bogus" } as never))).message).not.toContain(" here)");
  });

  it("an unknown query field lists the known ones once", async () => {
    const body = await (await app.request("/tasks?bogus=1")).json();
    expect(body.error.message).toBe(
      "query: bogus is not a field of a listing query; known: topic, subTopic, schedule, status, from, to, limit, order, cursor",
    );
  });
});

describe("lengths, backoff and leases", () => {
  it("lengths count characters, not UTF-16 units: 255 emoji are a valid topic, 256 are not", async () => {
    const topic = "😀".repeat(255);
    const t = await taskq.createTask({ topic, taskDescription: "🎉".repeat(10_000) });
    expect((await taskq.task(t.taskId))!.topic).toBe(topic);
    const e = await refusal(taskq.createTask({ topic: "😀".repeat(256) }));
    expect(e.message).toBe("createTask: topic must be at most 255 characters");
  });

  it("an exponential backoff whose cap is below its base is refused, naming backoff.capMs", async () => {
    const e = await refusal(
      taskq.createTask({ topic: "t", backoff: { type: "exponential", baseMs: 10_000, capMs: 10 } }),
    );
    expect(e.message).toBe("createTask: backoff.capMs must be at least baseMs (10000), not 10");
    // against the defaults too (base 1,000 ms, cap 3,600,000 ms)
    expect((await refusal(taskq.createTask({ topic: "t", backoff: { type: "exponential", capMs: 10 } }))).message)
      .toContain("backoff.capMs must be at least baseMs (1000 by default), not 10");
    expect((await refusal(taskq.createTask({ topic: "t", backoff: { type: "exponential", baseMs: 4e6 } }))).message)
      .toContain("backoff.capMs must be at least baseMs (4000000), not 3600000 by default");
    await taskq.createTask({ topic: "t", backoff: { type: "exponential", baseMs: 10, capMs: 10 } });
  });

  it("a lease id that was never the task's is not described as a later reservation only", async () => {
    await taskq.createTask({ topic: "lease" });
    const r = (await taskq.reserveTask("lease", "p1"))!;
    const e = await refusal(taskq.terminate(r.taskId, "p1", { leaseId: "bogus" }));
    expect(e.code).toBe("wrong-owner");
    expect(e.message).toContain(
      "lease bogus is not the task's current lease (it was reserved again since, or the id is wrong)",
    );
  });
});

describe("times and names the same everywhere", () => {
  it("listTasks and countTasks take from/to as runAt does: epoch ms, a Date or an ISO string", async () => {
    const t = await taskq.createTask({ topic: "when" });
    const before = new Date(t.updatedAt - 1000);
    const after = new Date(t.updatedAt + 1000);
    for (const [from, to] of [[before, after], [before.toISOString(), after.toISOString()], [+before, +after]]) {
      expect((await taskq.listTasks({ topic: "when", from, to })).data.map((x) => x.taskId)).toEqual([t.taskId]);
      expect(await taskq.countTasks({ topic: "when", from, to })).toBe(1);
    }
    expect(await taskq.countTasks({ topic: "when", from: after })).toBe(0);
    const q = `topic=when&from=${encodeURIComponent(before.toISOString())}&to=${+after}`;
    expect((await (await app.request(`/tasks?${q}`)).json()).data.map((x: { taskId: string }) => x.taskId))
      .toEqual([t.taskId]);
  });

  it("ISO times are read exactly: an hour-only offset, real dates only, nothing before 1970, however given", async () => {
    const t = await taskq.createTask({ topic: "iso", runAt: "2027-01-01T00:00:00+01" });
    expect(t.runAt).toBe(Date.UTC(2026, 11, 31, 23));
    expect((await taskq.createTask({ topic: "iso", runAt: "2027-01-01 00:00:00.5-0230" })).runAt)
      .toBe(Date.UTC(2027, 0, 1, 2, 30, 0, 500));
    expect((await taskq.createTask({ topic: "iso", runAt: "2028-02-29T00:00:00Z" })).runAt).toBe(Date.UTC(2028, 1, 29));
    for (
      const runAt of [
        "2026-02-31T00:00:00Z",
        "2027-02-29T00:00:00Z",
        "2026-01-01T00:00:00 +01:00",
        "2026-01-01T24:00:00Z",
      ]
    ) {
      const e = await refusal(taskq.createTask({ topic: "iso", runAt }));
      expect(e.message, runAt).toContain(`runAt must be an ISO 8601 timestamp of a real date with its offset`);
    }
    for (const runAt of ["0001-01-01T00:00:00Z", new Date(-5), -5]) {
      expect((await refusal(taskq.createTask({ topic: "iso", runAt }))).message).toContain(
        "runAt must not be before 1970",
      );
      expect((await refusal(taskq.listTasks({ from: runAt }))).message).toContain("from must not be before 1970");
    }
    const bad = await (await app.request("/tasks?from=2026-01-01T00:00:00+05:30")).json(); // an unencoded + is a space
    expect(bad.error.message).toContain("encode its + as %2B");
    const ok = await app.request(`/tasks?from=${encodeURIComponent("2026-01-01T00:00:00+05:30")}`);
    expect(ok.status).toBe(200);
    // from/to bound updatedAt (now): an hour-only offset reads right there too, not as NaN (which matched nothing)
    expect(await taskq.countTasks({ topic: "iso", from: "2026-01-01T00:00:00+01", to: "2999-01-01T00:00:00+01" })).toBe(
      3,
    );
  });

  it("a cursor moves only the listing it came from: another listing's cursor is invalid-cursor, not a silent skip", async () => {
    await taskq.createTasks([{ topic: "z" }, { topic: "z" }, { topic: "m", taskGroupId: "GG" }, {
      topic: "m",
      taskGroupId: "GG",
    }]);
    const z = await taskq.listTasks({ topic: "z" }, { limit: 1 });
    expect(z.cursor).not.toBeNull();
    const e = await refusal(taskq.listTasks({ taskGroupId: "GG" }, { cursor: z.cursor }));
    expect(e.code).toBe("invalid-cursor");
    expect(e.message).toContain("cursor belongs to a listing with other filters");
    const res = await app.request(`/groups/GG/tasks?cursor=${z.cursor}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("invalid-cursor");
    // its own listing takes it
    expect((await taskq.listTasks({ topic: "z" }, { cursor: z.cursor })).data).toHaveLength(1);
  });

  it("POST /writes takes a failure's text as errorMessage, as POST /tasks/:taskId/fail does (error still works)", async () => {
    await taskq.createTasks([{ topic: "w" }, { topic: "w" }]);
    const [a, b] = await taskq.reserveTasks("w", "p", 2);
    const post = (writes: unknown[]) =>
      app.request("/writes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ writes }),
      });
    const fence = (t: typeof a) => ({ op: "fail", taskId: t.taskId, pid: "p", leaseId: t.leaseId });
    const both = await post([{ ...fence(a), errorMessage: "x", error: "y" }]);
    expect(both.status).toBe(400);
    expect((await both.json()).error.message).toContain("error give errorMessage or error, not both");
    const res = await post([{ ...fence(a), errorMessage: "by its new name" }, {
      ...fence(b),
      error: "by its old name",
    }]);
    expect(res.status).toBe(200);
    expect((await taskq.task(a.taskId))!.error).toBe("by its new name");
    expect((await taskq.task(b.taskId))!.error).toBe("by its old name");
  });

  it("the dashboard's form says a negative delay must not be negative, not that it is not a whole number", async () => {
    const res = await app.request("/ui/tasks", {
      method: "POST",
      body: new URLSearchParams({ topic: "form", delayMs: "-5" }),
    });
    const html = await res.text();
    expect(html).toContain("must not be negative");
    expect(html).not.toContain("must be a whole number");
  });
});

describe("a database server that cannot be reached", () => {
  it("is store-unavailable (HTTP 503) in every runtime, naming the system's code where the runtime gives one", async () => {
    const port = await freePort(); // nothing listens there now
    const q = createTaskQ({ url: `http://127.0.0.1:${port}`, requestTimeoutMs: 10_000 });
    try {
      const e = await refusal(q.createTask({ topic: "t" }));
      expect([e.type, e.code, e.message]).toEqual([
        "unavailable",
        "store-unavailable",
        expect.stringMatching(/the database server could not be reached/),
      ]);
      // Node keeps the code in the fetch error's cause, Bun on the error itself
      if (!("Deno" in globalThis)) expect(e.message).toContain("(ECONNREFUSED)");
      const res = await sokkaRoutes({ taskq: q }).request("/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ topic: "t" }),
      });
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe("store-unavailable");
    } finally {
      await q.close();
    }
  });

  it("workerd's fetch failures (a bare Error, no code) are the server not reached on a remote store only", async () => {
    // the messages workerd 1.2026 rejects fetch() with: a refused or reset connection, a name that does not
    // resolve or an address the Worker may not reach (seen in workerd by hand; CI runs no Worker without network).
    // A fake client, to inject the failure: a remote one (its protocol "https") and a Durable Object's, whose
    // storage is no server.
    for (const message of ["Network connection lost.", "internal error; reference = 6clgn2mfbf3mr5logqtp8j2r"]) {
      for (const protocol of ["https", "durable-object"]) {
        const fail = () => Promise.reject(new Error(message));
        const client = { protocol, closed: false, execute: fail, batch: fail, close() {} };
        const q = createTaskQ({ client: client as never, requestTimeoutMs: 5_000 });
        try {
          const e = await refusal(q.createTask({ topic: "t" }));
          expect([e.code, e.message], `${protocol}: ${message}`).toEqual(
            protocol === "https"
              ? [
                "store-unavailable",
                "opening the store: the store is unavailable: the database server could not be reached",
              ]
              : [
                "internal-error",
                "opening the store: unexpected store error (the error's cause holds the driver's report)",
              ],
          );
        } finally {
          await q.close();
        }
      }
    }
    // Bun's shape: a TypeError with the system's code on it
    const bun = Object.assign(new TypeError("ECONNREFUSED: Unable to connect."), { code: "ECONNREFUSED" });
    expect(toTaskError(bun, "createTask").message).toBe(
      "createTask: the store is unavailable: the database server could not be reached (ECONNREFUSED)",
    );
    // a TypeError with another code is not the network's: node:sqlite's refusal of a value it cannot bind
    const bind = Object.assign(new TypeError("Provided value cannot be bound to SQLite parameter 1."), {
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(toTaskError(bind, "createTask").code).toBe("internal-error");
  });
});
