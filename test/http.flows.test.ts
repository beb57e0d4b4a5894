/**
 * Unique tasks, dependencies, flows and group follow-ups over HTTP (POST
 * /tasks, POST /tasks/batch, GET /tasks/:taskId/dependencies and
 * /dependants, POST /groups/:taskGroupId/seal, GET
 * /groups/:taskGroupId/follow-up, GET /tasks?status=blocked) on the real
 * Hono app and a real libSQL store: each answer's status, its body as the
 * store holds it, and the body valid against the schema the OpenAPI document
 * gives that status; refusals 400/404/409 naming the field, writing nothing.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, defineTask, type Page, type Task, type TaskQ, TestClock } from "../mod.ts";
import { openApiDocument } from "../src/http/openapi.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import * as v from "valibot";
import { tempDbUrl } from "./helpers.ts";

type Json = Record<string, any>;

let db: ReturnType<typeof tempDbUrl>;
let clock: TestClock;
let taskq: TaskQ;
let app: Hono;
beforeEach(() => {
  db = tempDbUrl();
  clock = new TestClock();
  taskq = createTaskQ({ url: db.url, clock });
  app = sokkaRoutes({ taskq });
});
afterEach(async () => {
  await taskq.close();
  db.cleanup();
});

const doc = openApiDocument() as Json;
const ajv = new Ajv2020({ strict: false });
ajv.addSchema({ $id: "doc", components: doc.components });

/** The answer schema the document gives `status` of the operation at `method` `template`, compiled. */
function documented(method: string, template: string, status: number) {
  const op = doc.paths[template]?.[method.toLowerCase()];
  expect(op, `${method} ${template} is documented`).toBeDefined();
  const answer = op.responses[status];
  expect(answer, `${method} ${template} documents ${status}`).toBeDefined();
  const schema = answer.content["application/json"].schema;
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
}

/** The document's path template a concrete path is asked through (`/tasks/x/dependencies` → `/tasks/{taskId}/dependencies`). */
function templateOf(method: string, path: string): string {
  const bare = path.split("?")[0];
  const found = Object.keys(doc.paths).filter((t) =>
    doc.paths[t][method.toLowerCase()] && new RegExp(`^${t.replace(/\{\w+\}/g, "[^/]+")}$`).test(bare)
  );
  // a literal path wins over a template (/tasks/batch, not /tasks/{taskId})
  found.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  expect(found.length, `${method} ${bare}`).toBeGreaterThan(0);
  return found[0];
}

/** A request (a JSON body when given), answered as { status, body }, the body checked against the document. */
async function call(method: string, path: string, body?: unknown) {
  const res = await app.request(path, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  const check = documented(method, templateOf(method, path), res.status);
  expect(check(parsed), `${method} ${path} ${res.status}: ${JSON.stringify(check.errors)} in ${text}`).toBe(true);
  return { status: res.status, body: parsed };
}

/** Every task the store holds, for "nothing was written". */
const everything = async () => JSON.stringify((await taskq.listTasks({}, { limit: 1000 })).data);

/** Runs `taskId` (of `topic`) to `terminated` with `result`, as a worker would. */
async function finish(topic: string, taskId: string, result: unknown = null): Promise<void> {
  const t = await taskq.reserveTask(topic, "w");
  expect(t?.taskId).toBe(taskId);
  await taskq.terminate(taskId, "w", { leaseId: t!.leaseId!, result });
}

describe("POST /tasks: unique keys and dependencies", () => {
  it("201 when created, 200 with the holder when its uniqueKey is held (nothing written); onDuplicate error is 409 duplicate-task", async () => {
    const made = await call("POST", "/tasks", { topic: "sync", uniqueKey: "user-42", data: 1 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ topic: "sync", uniqueKey: "user-42", unique: "active", data: 1 });
    expect(made.body).toEqual(await taskq.task(made.body.taskId));
    const before = await everything();

    const again = await call("POST", "/tasks", { topic: "sync", uniqueKey: "user-42", data: 2 });
    expect(again).toEqual({ status: 200, body: made.body }); // the holder, unchanged
    expect(await everything()).toBe(before);

    const refused = await call("POST", "/tasks", { topic: "sync", uniqueKey: "user-42", onDuplicate: "error" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ type: "conflict", code: "duplicate-task" });
    expect(refused.body.error.message).toContain(made.body.taskId); // it names the holder
    expect(await everything()).toBe(before);

    // another topic, or the key free again once the holder ended: created
    expect((await call("POST", "/tasks", { topic: "other", uniqueKey: "user-42" })).status).toBe(201);
    await taskq.cancelTask(made.body.taskId);
    expect((await call("POST", "/tasks", { topic: "sync", uniqueKey: "user-42" })).status).toBe(201);
  });

  it("32 concurrent creates of one key: one 201, 31 answers 200 with that task, one task stored", async () => {
    const answers = await Promise.all(
      Array.from({ length: 32 }, (_, i) => call("POST", "/tasks", { topic: "race", uniqueKey: "k", data: i })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(31);
    expect(new Set(answers.map((a) => a.body.taskId)).size).toBe(1);
    expect(await taskq.countTasks({ topic: "race" })).toBe(1);
  });

  it("queued, a period and a debounce: 200 while the key is held; a debounce's holder takes the new data", async () => {
    clock.set("2030-01-01T00:20:00Z"); // far from the edge of an hour's window
    const hour = { periodMs: 3_600_000 };
    expect((await call("POST", "/tasks", { topic: "p", uniqueKey: "k", unique: hour })).status).toBe(201);
    expect((await call("POST", "/tasks", { topic: "p", uniqueKey: "k", unique: hour })).status).toBe(200);

    expect((await call("POST", "/tasks", { topic: "q", uniqueKey: "k", unique: "queued" })).status).toBe(201);
    expect((await call("POST", "/tasks", { topic: "q", uniqueKey: "k", unique: "queued" })).status).toBe(200);
    await taskq.reserveTask("q", "w"); // running: no longer queued, so a new one may wait
    expect((await call("POST", "/tasks", { topic: "q", uniqueKey: "k", unique: "queued" })).status).toBe(201);

    const debounce = { debounceMs: 60_000, maxWaitMs: 600_000 };
    const first = await call("POST", "/tasks", { topic: "d", uniqueKey: "k", unique: debounce, data: "a" });
    expect(first.status).toBe(201);
    const second = await call("POST", "/tasks", { topic: "d", uniqueKey: "k", unique: debounce, data: "b" });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ taskId: first.body.taskId, data: "b" });
    expect(second.body.recordVer).toBe(first.body.recordVer + 1);
    expect(await taskq.task(first.body.taskId)).toEqual(second.body);
    expect(await taskq.countTasks({ topic: "d" })).toBe(1);
  });

  it("dependsOn: created blocked, listed by GET /tasks?status=blocked, starting once its dependency terminated", async () => {
    const dep = (await call("POST", "/tasks", { topic: "etl", taskId: "extract" })).body as Task;
    const made = await call("POST", "/tasks", { topic: "etl", taskId: "load", dependsOn: [dep.taskId] });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      status: "blocked",
      dependsOn: [{ taskId: "extract", status: "starting" }],
      onDependencyFailure: "fail",
      runAt: null,
    });
    const blocked = await call("GET", "/tasks?status=blocked");
    expect(blocked.status).toBe(200);
    expect((blocked.body as Page).data.map((t) => t.taskId)).toEqual(["load"]);
    expect((await call("GET", "/tasks?status=blocked&topic=etl&order=asc")).body.data).toHaveLength(1);
    expect((await call("GET", "/tasks?status=blocked&topic=elsewhere")).body.data).toEqual([]);

    await finish("etl", "extract", { rows: 3 });
    const load = await call("GET", "/tasks/load");
    expect(load.body).toMatchObject({ status: "starting", dependsOn: [{ taskId: "extract", status: "terminated" }] });
    expect((await call("GET", "/tasks?status=blocked")).body.data).toEqual([]);
  });

  it("refusals name the field and write nothing: a missing dependency, itself, a repeat, a ref, runAt with dependsOn, unique without a key", async () => {
    await taskq.createTask({ topic: "t", taskId: "a" });
    const before = await everything();
    const cases: [body: Json, status: number, code: string, path: string][] = [
      [{ topic: "t", dependsOn: ["nope"] }, 400, "invalid-task", "dependsOn.0"],
      [{ topic: "t", taskId: "me", dependsOn: ["a", "me"] }, 400, "invalid-task", "dependsOn.1"],
      [{ topic: "t", dependsOn: ["a", "a"] }, 400, "invalid-task", "dependsOn.1"],
      [{ topic: "t", dependsOn: [] }, 400, "invalid-task", "dependsOn"],
      [{ topic: "t", dependsOn: ["a"], runAt: 5 }, 400, "invalid-task", "runAt"],
      [{ topic: "t", onDependencyFailure: "run" }, 400, "invalid-task", "onDependencyFailure"],
      [{ topic: "t", unique: "queued" }, 400, "invalid-task", "unique"],
      [
        { topic: "t", uniqueKey: "k", unique: { debounceMs: 10, maxWaitMs: 5 } },
        400,
        "invalid-task",
        "unique.maxWaitMs",
      ],
      // a ref names an item of a batch: not taken here
      [{ topic: "t", ref: "x" }, 400, "invalid-task", "ref"],
      [{ topic: "t", dependsOn: [{ ref: "x" }] }, 400, "invalid-task", "dependsOn.0"],
    ];
    for (const [body, status, code, path] of cases) {
      const what = JSON.stringify(body);
      const r = await call("POST", "/tasks", body);
      expect(r.status, what).toBe(status);
      expect(r.body.error.code, what).toBe(code);
      expect(r.body.error.issues.map((i: Json) => i.path), what).toContain(path);
      expect(r.body.error.message, what).toContain(path);
    }
    expect(await everything()).toBe(before);
  });
});

describe("POST /tasks/batch: flows", () => {
  it("a flow with refs in any order: 201 { tasks, deduplicated }, dependencies resolved to the items' task ids", async () => {
    await taskq.createTask({ topic: "sync", uniqueKey: "nightly", taskId: "held" });
    const r = await call("POST", "/tasks/batch", {
      tasks: [
        { topic: "report", ref: "report", dependsOn: [{ ref: "a" }, { ref: "b" }], onDependencyFailure: "run" },
        { topic: "part", ref: "a", data: 1 },
        { topic: "part", ref: "b", taskId: "part-b", data: 2 },
        { topic: "sync", uniqueKey: "nightly" }, // held already: deduplicated
        { topic: "late", dependsOn: [{ ref: "report" }, "part-b"] }, // by ref or by an item's id
      ],
    });
    expect(r.status).toBe(201);
    const tasks = r.body.tasks as Task[];
    expect(r.body.deduplicated).toEqual([3]);
    expect(tasks[3].taskId).toBe("held");
    expect(tasks.map((t) => t.status)).toEqual(["blocked", "starting", "starting", "starting", "blocked"]);
    expect(tasks[0].dependsOn).toEqual([
      { taskId: tasks[1].taskId, status: "starting" },
      { taskId: "part-b", status: "starting" },
    ]);
    expect(tasks[0].onDependencyFailure).toBe("run");
    expect(tasks[4].dependsOn.map((d) => d.taskId)).toEqual([tasks[0].taskId, "part-b"]);
    for (const t of tasks) expect(await taskq.task(t.taskId)).toEqual(t);
    // a batch without keys or refs answers as before, with nothing deduplicated
    const plain = await call("POST", "/tasks/batch", { tasks: [{ topic: "x" }, { topic: "y" }] });
    expect(plain.status).toBe(201);
    expect(plain.body.deduplicated).toEqual([]);
    expect(plain.body.tasks).toHaveLength(2);
  });

  it("a cycle, a missing dependency, a ref naming nothing and the other flow refusals name tasks.<i>.<field>; nothing written", async () => {
    await taskq.createTask({ topic: "t", taskId: "exists" });
    const before = await everything();
    const cases: [tasks: Json[], status: number, code: string, path: string, message?: RegExp][] = [
      [
        [{ topic: "t", ref: "a", dependsOn: [{ ref: "c" }] }, { topic: "t", ref: "b", dependsOn: [{ ref: "a" }] }, {
          topic: "t",
          ref: "c",
          dependsOn: ["exists", { ref: "b" }],
        }],
        400,
        "invalid-task",
        "tasks.", // which item closes the cycle is the walk's: checked below
        /makes a cycle: .+ → .+ → .+ → /,
      ],
      [
        [{ topic: "t", taskId: "x", dependsOn: ["y"] }, { topic: "t", taskId: "y", dependsOn: ["x"] }],
        400,
        "invalid-task",
        "tasks.",
        /makes a cycle: (x → y → x|y → x → y)/,
      ],
      [
        [{ topic: "t" }, { topic: "t", dependsOn: ["exists", "nope"] }],
        400,
        "invalid-task",
        "tasks.1.dependsOn.1",
        /nope/,
      ],
      [
        [{ topic: "t", ref: "a" }, { topic: "t", dependsOn: [{ ref: "zz" }] }],
        400,
        "invalid-task",
        "tasks.1.dependsOn.0",
        /zz/,
      ],
      [[{ topic: "t", ref: "a", dependsOn: [{ ref: "a" }] }], 400, "invalid-task", "tasks.0.dependsOn.0", /itself/],
      [[{ topic: "t", ref: "a" }, { topic: "t", ref: "a" }], 400, "invalid-task", "tasks.1.ref"],
      [
        [{ topic: "t", ref: "a", uniqueKey: "k" }, { topic: "t", dependsOn: [{ ref: "a" }] }],
        400,
        "invalid-task",
        "tasks.1.dependsOn.0",
        /uniqueKey/,
      ],
      [
        [{ topic: "t", ref: "a" }, { topic: "t", dependsOn: [{ ref: "a" }], delayMs: 5 }],
        400,
        "invalid-task",
        "tasks.1.delayMs",
      ],
      [
        [{ topic: "t", ref: "a" }, { topic: "t", dependsOn: [{ rfe: "a" }] }],
        400,
        "invalid-task",
        "tasks.1.dependsOn.0",
      ],
      [
        [{ topic: "t", ref: "a" }, { topic: "t", taskId: "exists", dependsOn: [{ ref: "a" }] }],
        409,
        "task-already-exists",
        "tasks.1.taskId",
      ],
    ];
    for (const [tasks, status, code, path, message] of cases) {
      const what = JSON.stringify(tasks);
      const r = await call("POST", "/tasks/batch", { tasks });
      expect(r.status, what).toBe(status);
      expect(r.body.error.code, what).toBe(code);
      const issue = r.body.error.issues.find((i: Json) => i.path.startsWith(path));
      expect(issue, `${what}: ${JSON.stringify(r.body.error.issues)}`).toBeDefined();
      if (message) expect(issue.message, what).toMatch(message);
      expect(r.body.error.message, what).toContain(issue.path);
      expect(await everything(), what).toBe(before);
    }
    // the cycle is named at an item's dependency that closes it
    const cycle = await call("POST", "/tasks/batch", {
      tasks: [{ topic: "t", taskId: "x", dependsOn: ["y"] }, { topic: "t", taskId: "y", dependsOn: ["x"] }],
    });
    expect(cycle.body.error.issues).toEqual([{
      path: expect.stringMatching(/^tasks\.[01]\.dependsOn\.0$/),
      message: expect.any(String),
    }]);
    // a duplicate with onDuplicate error: 409, and no item written
    await taskq.createTask({ topic: "t", uniqueKey: "k", taskId: "holder" });
    const held = await everything();
    const dup = await call("POST", "/tasks/batch", {
      tasks: [{ topic: "t" }, { topic: "t", uniqueKey: "k", onDuplicate: "error" }],
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "duplicate-task", message: expect.stringContaining("holder") });
    expect(await everything()).toBe(held);
  });
});

describe("GET /tasks/:taskId/dependencies and /dependants", () => {
  it("pages in taskId order with cursors both ways, results included; 404 for no such task; 400 on a bad query", async () => {
    const ids = ["d1", "d2", "d3", "d4", "d5"];
    for (const id of ids) await taskq.createTask({ topic: "part", taskId: id });
    await taskq.createTask({ topic: "sum", taskId: "sum", dependsOn: [...ids].reverse() });
    await finish("part", "d1", { n: 1 });

    const first = await call("GET", "/tasks/sum/dependencies?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.data.map((t: Task) => t.taskId)).toEqual(["d1", "d2"]);
    expect(first.body.data[0]).toMatchObject({ status: "terminated", result: { n: 1 } });
    expect(first.body.prevCursor).toBeNull();
    const second = await call("GET", `/tasks/sum/dependencies?limit=2&cursor=${encodeURIComponent(first.body.cursor)}`);
    expect(second.body.data.map((t: Task) => t.taskId)).toEqual(["d3", "d4"]);
    const third = await call("GET", `/tasks/sum/dependencies?limit=2&cursor=${encodeURIComponent(second.body.cursor)}`);
    expect(third.body.data.map((t: Task) => t.taskId)).toEqual(["d5"]);
    expect(third.body.cursor).toBeNull();
    const back = await call(
      "GET",
      `/tasks/sum/dependencies?limit=2&cursor=${encodeURIComponent(second.body.prevCursor)}`,
    );
    expect(back.body.data.map((t: Task) => t.taskId)).toEqual(["d1", "d2"]);
    const all = await call("GET", "/tasks/sum/dependencies");
    expect(all.body).toEqual(await taskq.dependencies("sum"));
    expect(all.body.data).toHaveLength(5);

    // dependants: each part has one; a second dependant of d2
    await taskq.createTask({ topic: "sum", taskId: "also", dependsOn: ["d2"] });
    const d2 = await call("GET", "/tasks/d2/dependants?limit=1");
    expect(d2.body.data.map((t: Task) => t.taskId)).toEqual(["also"]);
    const d2next = await call("GET", `/tasks/d2/dependants?limit=1&cursor=${encodeURIComponent(d2.body.cursor)}`);
    expect(d2next.body.data.map((t: Task) => t.taskId)).toEqual(["sum"]);
    expect(d2next.body.cursor).toBeNull();

    // a task with none: an empty page; no task at all: 404
    expect(await call("GET", "/tasks/d1/dependencies")).toEqual({
      status: 200,
      body: { data: [], cursor: null, prevCursor: null },
    });
    expect((await call("GET", "/tasks/sum/dependants")).body.data).toEqual([]);
    for (const side of ["dependencies", "dependants"]) {
      const none = await call("GET", `/tasks/nope/${side}`);
      expect(none.status, side).toBe(404);
      expect(none.body.error).toMatchObject({ type: "not-found", code: "task-not-found", message: "no task nope" });
      for (const query of ["limit=0", "limit=1001", "limit=x", "cursor=nonsense", "order=asc", "bogus=1"]) {
        const bad = await call("GET", `/tasks/sum/${side}?${query}`);
        expect(bad.status, `${side}?${query}`).toBe(400);
        expect(["invalid-query", "invalid-cursor"], `${side}?${query}`).toContain(bad.body.error.code);
      }
      expect((await call("GET", `/tasks/${encodeURIComponent(" x")}/${side}`)).status).toBe(400);
    }
  });
});

describe("POST /groups/:taskGroupId/seal and GET /groups/:taskGroupId/follow-up", () => {
  it("seals once (201, then 200 with the same follow-up), which waits for the group's tasks; the follow-up is read back", async () => {
    const none = await call("GET", "/groups/album/follow-up");
    expect(none.status).toBe(404);
    expect(none.body.error).toMatchObject({ code: "task-not-found", message: expect.stringMatching(/not sealed/) });
    const empty = await call("POST", "/groups/album/seal", { topic: "notify" });
    expect(empty.status).toBe(404);
    expect(empty.body.error).toMatchObject({ type: "not-found", code: "group-not-found" });
    expect(await everything()).toBe("[]");

    await call("POST", "/tasks/batch", {
      tasks: [1, 2].map((n) => ({ topic: "resize", taskId: `img${n}`, taskGroupId: "album" })),
    });
    const sealed = await call("POST", "/groups/album/seal", { topic: "notify", taskId: "done", data: { album: 7 } });
    expect(sealed.status).toBe(201);
    expect(sealed.body).toMatchObject({
      deduplicated: false,
      task: { taskId: "done", topic: "notify", status: "blocked", followUpOf: "album", data: { album: 7 } },
    });
    expect(sealed.body.task.onDependencyFailure).toBe("run");
    const before = await everything();
    const again = await call("POST", "/groups/album/seal", { topic: "other" });
    expect(again).toEqual({ status: 200, body: { task: sealed.body.task, deduplicated: true } });
    expect(await everything()).toBe(before);
    expect(await call("GET", "/groups/album/follow-up")).toEqual({ status: 200, body: sealed.body.task });

    // its dependencies are the group's tasks; each has it as a dependant
    const deps = await call("GET", "/tasks/done/dependencies");
    expect(deps.body.data.map((t: Task) => t.taskId)).toEqual(["img1", "img2"]);
    expect((await call("GET", "/tasks/img1/dependants")).body.data.map((t: Task) => t.taskId)).toEqual(["done"]);
    expect((await call("GET", "/tasks?status=blocked")).body.data.map((t: Task) => t.taskId)).toEqual(["done"]);

    // it runs whatever their outcomes (onDependencyFailure "run")
    await finish("resize", "img1");
    expect((await call("GET", "/groups/album/follow-up")).body.status).toBe("blocked");
    await taskq.cancelTask("img2");
    expect((await call("GET", "/groups/album/follow-up")).body.status).toBe("starting");
  });

  it("refuses what a follow-up cannot carry, the sealed group as its own group, a taken id; 400 for a bad group name; nothing written", async () => {
    await taskq.createTask({ topic: "t", taskId: "taken", taskGroupId: "g" });
    const before = await everything();
    const cases: [body: Json, status: number, code: string, path: string][] = [
      [{ topic: "n", uniqueKey: "k" }, 400, "invalid-task", "uniqueKey"],
      [{ topic: "n", dependsOn: ["taken"] }, 400, "invalid-task", "dependsOn"],
      [{ topic: "n", runAt: 5 }, 400, "invalid-task", "runAt"],
      [{ topic: "n", delayMs: 5 }, 400, "invalid-task", "delayMs"],
      [{ topic: "n", ref: "x" }, 400, "invalid-task", "ref"],
      [{ topic: "n", taskGroupId: "g" }, 400, "invalid-task", "taskGroupId"],
      [{ topic: "n", onDependencyFailure: "sometimes" }, 400, "invalid-task", "onDependencyFailure"],
      [{ topc: "n" }, 400, "invalid-task", "topc"],
      [{ topic: "n", taskId: "taken" }, 409, "task-already-exists", "taskId"],
    ];
    for (const [body, status, code, path] of cases) {
      const what = JSON.stringify(body);
      const r = await call("POST", "/groups/g/seal", body);
      expect(r.status, what).toBe(status);
      expect(r.body.error.code, what).toBe(code);
      expect(r.body.error.issues?.map((i: Json) => i.path), what).toContain(path);
      expect(await everything(), what).toBe(before);
    }
    expect((await call("POST", `/groups/${encodeURIComponent("g\t")}/seal`, { topic: "n" })).status).toBe(400);
    expect((await call("GET", `/groups/${encodeURIComponent(" g")}/follow-up`)).status).toBe(400);
    const notJson = await app.request("/groups/g/seal", { method: "POST", body: "topic=n" });
    expect(notJson.status).toBe(415);
    expect(await everything()).toBe(before);
  });

  it("checks a typed follow-up's data (sokkaRoutes({ tasks })), naming data.…", async () => {
    const notify = defineTask({ topic: "notify", schema: v.object({ album: v.number() }) });
    app = sokkaRoutes({ taskq, tasks: [notify] });
    await taskq.createTask({ topic: "t", taskGroupId: "g" });
    const bad = await call("POST", "/groups/g/seal", { topic: "notify", data: { album: "seven" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: Json) => i.path)).toEqual(["data.album"]);
    expect(await taskq.groupFollowUp("g")).toBeNull();
    expect((await call("POST", "/groups/g/seal", { topic: "notify", data: { album: 7 } })).status).toBe(201);
  });
});

describe("the OpenAPI document", () => {
  it("documents 201 and 200 for POST /tasks and the seal, the answers of the new routes, and ?status=blocked", () => {
    const create = doc.paths["/tasks"].post.responses;
    expect(Object.keys(create)).toEqual(expect.arrayContaining(["200", "201", "409"]));
    expect(create[200].description).toMatch(/deduplicated/);
    expect(create[409].description).toMatch(/duplicate-task/);
    const seal = doc.paths["/groups/{taskGroupId}/seal"].post.responses;
    expect(seal[201].content["application/json"].schema).toEqual(seal[200].content["application/json"].schema);
    expect(seal[200].description).toMatch(/sealed already/);
    expect(seal[404].description).toMatch(/group-not-found/);
    const batch = doc.paths["/tasks/batch"].post.responses[201].content["application/json"].schema;
    expect(batch.required).toEqual(["tasks", "deduplicated"]);
    for (const side of ["dependencies", "dependants"]) {
      const op = doc.paths[`/tasks/{taskId}/${side}`].get;
      expect(op.parameters.map((p: Json) => p.name)).toEqual(["taskId", "limit", "cursor"]);
      expect(op.responses[200].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Page" });
    }
    const status = doc.paths["/tasks"].get.parameters.find((p: Json) => p.name === "status");
    expect(status.schema.enum).toContain("blocked");
    expect(doc.components.schemas.Task.properties.status.enum).toContain("blocked");
    // the follow-up body documents only what a follow-up takes
    const followUp = doc.paths["/groups/{taskGroupId}/seal"].post.requestBody.content["application/json"].schema;
    for (const f of ["uniqueKey", "dependsOn", "runAt", "delayMs", "ref"]) {
      expect(followUp.properties).not.toHaveProperty(f);
    }
    expect(doc.paths["/tasks"].post.requestBody.content["application/json"].schema.properties).not.toHaveProperty(
      "ref",
    );
  });
});
