/** The HTTP routes through Hono's app.request(): every route, its happy path and its errors. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, type Task, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";

let taskq: TaskQ;
let app: ReturnType<typeof sokkaRoutes>;
beforeEach(() => {
  taskq = createTaskQ({ url: ":memory:", maxDataBytes: 1000 });
  app = sokkaRoutes({ taskq, maxBodyBytes: 4096 });
});
afterEach(() => taskq.close());

const post = (path: string, body: unknown, raw = false) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ? (body as string) : JSON.stringify(body),
  });
const json = async (res: Response) => ({ status: res.status, body: res.status === 204 ? null : await res.json() });
const count = async () => (await taskq.listTasks({}, { limit: 1000 })).data.length;

describe("JSON API", () => {
  it("POST /tasks creates a task (201), 409 on an existing id, 400 on invalid, 413 on too large", async () => {
    const created = await json(await post("/tasks", { topic: "t", taskId: "a", data: { x: 1 } }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ taskId: "a", status: "starting", data: { x: 1 } });
    const dup = await json(await post("/tasks", { topic: "t", taskId: "a" }));
    expect(dup).toMatchObject({ status: 409, body: { error: { type: "conflict", code: "task-already-exists" } } });
    const bad = await json(await post("/tasks", { topic: "", timeoutMs: -1 }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: "bad-request", code: "invalid-task" });
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(["timeoutMs", "topic"]);
    const big = await json(await post("/tasks", { topic: "t", data: "x".repeat(2000) }));
    expect(big).toMatchObject({ status: 413, body: { error: { type: "too-large", code: "data-too-large" } } });
    const huge = await json(await post("/tasks", { topic: "t", data: "x".repeat(5000) }));
    expect(huge).toMatchObject({ status: 413, body: { error: { type: "too-large" } } });
    expect(await count()).toBe(1);
  });

  it("malformed JSON, a non-object body and wrong types are 400 and write nothing", async () => {
    for (const body of ["{", "null", "[1]", '"topic"', '{"topic": 5}', '{"topic":"t","timeoutMs":1e400}']) {
      const r = await json(await post("/tasks", body, true));
      expect(r.status).toBe(400);
      expect(r.body.error.type).toBe("bad-request");
    }
    expect(await count()).toBe(0);
  });

  it("GET /tasks/:taskId is 200 or 404", async () => {
    await taskq.createTask({ topic: "t", taskId: "a" });
    expect(await json(await app.request("/tasks/a"))).toMatchObject({ status: 200, body: { taskId: "a" } });
    expect(await json(await app.request("/tasks/nope"))).toMatchObject({
      status: 404,
      body: { error: { type: "not-found", code: "task-not-found" } },
    });
  });

  it("GET /tasks lists with filters and a cursor; bad status, numbers and cursors are 400", async () => {
    await taskq.createTasks(Array.from({ length: 5 }, (_, i) => ({ topic: i < 3 ? "a" : "b", data: i })));
    const page1 = await json(await app.request("/tasks?topic=a&limit=2"));
    expect(page1.status).toBe(200);
    expect(page1.body.data.length).toBe(2);
    const page2 = await json(await app.request(`/tasks?topic=a&limit=2&cursor=${page1.body.cursor}`));
    expect(page2.body).toMatchObject({ cursor: null });
    expect(page2.body.data.length).toBe(1);
    expect((await json(await app.request("/tasks?status=starting&from=0"))).body.data.length).toBe(5);
    for (
      const q of [
        "status=done",
        "limit=0",
        "limit=5000",
        "limit=-1",
        "from=abc",
        "to=99999999999999999999",
        "cursor=%%%",
        "cursor=abc",
      ]
    ) {
      const r = await json(await app.request(`/tasks?${q}`));
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toMatch(/invalid-task|invalid-cursor/);
    }
  });

  it("GET /groups/:id/tasks returns the group oldest first, [] when none", async () => {
    await taskq.createTasks([{ topic: "t", taskGroupId: "g", data: 1 }, { topic: "t", taskGroupId: "g", data: 2 }]);
    const r = await json(await app.request("/groups/g/tasks"));
    expect(r.body.map((t: Task) => t.data)).toEqual([1, 2]);
    expect((await json(await app.request("/groups/none/tasks"))).body).toEqual([]);
  });

  it("POST /tasks/:id/revoke needs the current recordVer: 200, 409, 404, 400", async () => {
    await taskq.createTask({ topic: "t", taskId: "a" });
    const r = (await taskq.reserveTask("t", "p"))!;
    expect((await json(await post("/tasks/a/revoke", { recordVer: r.recordVer + 1 }))).status).toBe(409);
    expect(await json(await post("/tasks/a/revoke", { recordVer: r.recordVer }))).toMatchObject({
      status: 200,
      body: { status: "starting" },
    });
    expect((await json(await post("/tasks/nope/revoke", { recordVer: 1 }))).status).toBe(404);
    expect((await json(await post("/tasks/a/revoke", { recordVer: "1" }))).status).toBe(400);
  });

  it("an unknown route is a JSON 404", async () => {
    expect(await json(await app.request("/nope"))).toMatchObject({
      status: 404,
      body: { error: { type: "not-found" } },
    });
  });
});

describe("pull consumers", () => {
  it("reserve (200 / 204), extend (204), complete, fail, snooze — fenced by leaseId", async () => {
    await taskq.createTasks([{ topic: "t", taskId: "a" }, { topic: "t", taskId: "b" }, { topic: "t", taskId: "c" }]);
    const a = (await json(await post("/topics/t/reserve", { pid: "p", leaseTimeMs: 5000 }))).body as Task;
    expect(a).toMatchObject({ taskId: "a", status: "running", pid: "p" });
    expect((await post(`/tasks/a/extend`, { pid: "p", leaseId: a.leaseId })).status).toBe(204);
    expect(await json(await post("/tasks/a/extend", { pid: "q" }))).toMatchObject({
      status: 403,
      body: { error: { code: "wrong-owner" } },
    });
    expect((await json(await post("/tasks/a/complete", { pid: "p", leaseId: "stale" }))).status).toBe(403);
    expect((await json(await post("/tasks/a/complete", { pid: "p", leaseId: a.leaseId }))).body.status).toBe(
      "terminated",
    );
    expect((await json(await post("/tasks/a/complete", { pid: "p" }))).status).toBe(409);
    const b = (await json(await post("/topics/t/reserve", { pid: "p" }))).body as Task;
    expect((await json(await post("/tasks/b/fail", { pid: "p", leaseId: b.leaseId, errorMessage: "no" }))).body)
      .toMatchObject({
        status: "failed",
        error: "no",
      });
    const c = (await json(await post("/topics/t/reserve", { pid: "p" }))).body as Task;
    expect((await json(await post("/tasks/c/snooze", { pid: "p", leaseId: c.leaseId, snoozeTime: 60000 }))).body)
      .toMatchObject({
        status: "snoozed",
        snoozeTime: 60000,
      });
    expect((await post("/topics/t/reserve", { pid: "p" })).status).toBe(204);
    expect((await json(await post("/tasks/nope/complete", { pid: "p" }))).status).toBe(404);
  });

  it("refuses bad bodies with 400 and changes nothing", async () => {
    await taskq.createTask({ topic: "t", taskId: "a" });
    for (
      const [path, body] of [
        ["/topics/t/reserve", {}],
        ["/topics/t/reserve", { pid: "" }],
        ["/topics/t/reserve", { pid: "p", leaseTimeMs: -5 }],
        ["/topics/t/reserve", { pid: "p", leaseTimeMs: 2 ** 40 }],
        ["/tasks/a/extend", { pid: 1 }],
        ["/tasks/a/snooze", { pid: "p", snoozeTime: "soon" }],
        ["/tasks/a/fail", { pid: "p", errorMessage: 42 }],
      ] as const
    ) {
      expect((await post(path, body)).status, `${path} ${JSON.stringify(body)}`).toBe(400);
    }
    expect((await taskq.task("a"))!.status).toBe("starting");
  });
});
