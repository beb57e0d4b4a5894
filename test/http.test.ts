/** The HTTP routes through Hono's app.request(): every route, its happy path and its errors. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { createTaskQ, type Task, type TaskQ } from "../mod.ts";
import { waitFor } from "./helpers.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { BAD_NAMES } from "./taskq.names.contract.ts";

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

  it("POST /tasks/batch creates all the tasks (201, in order) or none, refusing as createTasks does, each refusal named tasks.<index>.<field>", async () => {
    const made = await json(
      await post("/tasks/batch", {
        tasks: [{ topic: "t", taskId: "a", data: { x: 1 } }, { topic: "u", priority: 2, taskGroupId: "a" }],
      }),
    );
    expect(made.status).toBe(201);
    expect(made.body.tasks).toHaveLength(2);
    expect(made.body.tasks[0]).toMatchObject({ taskId: "a", topic: "t", status: "starting", data: { x: 1 } });
    expect(made.body.tasks[1]).toMatchObject({ topic: "u", priority: 2, taskGroupId: "a", data: null });
    expect(made.body.tasks[1]).toEqual(await taskq.task(made.body.tasks[1].taskId));
    expect(await count()).toBe(2);
    const refusals: [body: unknown, status: number, code: string, paths: string[]][] = [
      // the schema of each item, as POST /tasks checks one
      [{ tasks: [{ topic: "t" }, { topic: "t" }, { topic: "t" }, { topic: "" }] }, 400, "invalid-task", [
        "tasks.3.topic",
      ]],
      [{ tasks: [{ topic: "t", timeoutMs: -1 }, { topc: "t" }] }, 400, "invalid-task", [
        "tasks.0.timeoutMs",
        "tasks.1.topc",
        "tasks.1.topic",
      ]],
      // what the store refuses beyond the schema: both runAt and delayMs, a repeated id, data over maxDataBytes
      [{ tasks: [{ topic: "t" }, { topic: "t", runAt: 1, delayMs: 1 }] }, 400, "invalid-task", ["tasks.1.delayMs"]],
      [{ tasks: [{ topic: "t", taskId: "z" }, { topic: "t", taskId: "z" }] }, 400, "invalid-task", [
        "tasks.1.taskId",
      ]],
      [{ tasks: [{ topic: "t" }, { topic: "t", data: "x".repeat(2000) }] }, 413, "data-too-large", ["tasks.1.data"]],
      [{ tasks: [{ topic: "t" }, { topic: "t", data: { deep: "x".repeat(1500) } }] }, 413, "data-too-large", [
        "tasks.1.data",
      ]],
      // the list itself
      [{ tasks: [] }, 400, "invalid-task", ["tasks"]],
      [{ tasks: { topic: "t" } }, 400, "invalid-task", ["tasks"]],
      [[{ topic: "t" }], 400, "invalid-task", [""]],
      [{}, 400, "invalid-task", ["tasks"]],
    ];
    for (const [body, status, code, paths] of refusals) {
      const what = JSON.stringify(body).slice(0, 120);
      const r = await json(await post("/tasks/batch", body));
      expect(r.status, what).toBe(status);
      expect(r.body.error.code, what).toBe(code);
      expect(r.body.error.issues.map((i: { path: string }) => i.path).sort(), what).toEqual(paths);
      if (paths[0]) expect(r.body.error.message, what).toContain(paths[0]);
    }
    // an id that exists already: 409 naming it, and none of the others is created
    const taken = await json(
      await post("/tasks/batch", { tasks: [{ topic: "t", taskId: "new" }, { topic: "t", taskId: "a" }] }),
    );
    expect(taken).toMatchObject({ status: 409, body: { error: { type: "conflict", code: "task-already-exists" } } });
    expect(taken.body.error.message).toContain("a");
    expect(taken.body.error.issues).toEqual([{
      path: "tasks.1.taskId",
      message: "a already exists; nothing was created",
    }]);
    expect(await taskq.task("new")).toBeNull();
    // a body over maxBodyBytes (4096 here) is 413 before anything is read
    const huge = await json(
      await post("/tasks/batch", { tasks: Array.from({ length: 300 }, () => ({ topic: "topic" })) }),
    );
    expect(huge).toMatchObject({ status: 413, body: { error: { type: "too-large", code: "data-too-large" } } });
    // at most 1,000 tasks a request, however large the body may be
    const roomy = sokkaRoutes({ taskq });
    const many = (n: number) =>
      roomy.request("/tasks/batch", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tasks: Array.from({ length: n }, () => ({ topic: "many" })) }),
      });
    const over = await json(await many(1001));
    expect(over.status).toBe(400);
    expect(over.body.error.issues).toEqual([{ path: "tasks", message: "must hold at most 1000 tasks" }]);
    expect(await count()).toBe(2);
    expect((await json(await many(1000))).body.tasks).toHaveLength(1000);
  });

  it("malformed JSON, a non-object body and wrong types are 400 and write nothing", async () => {
    for (const body of ["{", "null", "[1]", '"topic"', '{"topic": 5}', '{"topic":"t","timeoutMs":1e400}']) {
      const r = await json(await post("/tasks", body, true));
      expect(r.status).toBe(400);
      expect(r.body.error.type).toBe("bad-request");
    }
    // an array says where many tasks go
    const many = await json(await post("/tasks", '[{"topic":"t"}]', true));
    expect(many.body.error.message).toMatch(
      /not an array \(many tasks go to POST \/tasks\/batch as \{ tasks: \[\.\.\.\] \}\)$/,
    );
    expect(many.body.error.issues[0].message).toContain("(many tasks go to POST /tasks/batch");
    // in sokka's words, as every other refusal, not the framework's
    expect((await json(await post("/tasks", "{'topic': 't',}", true))).body.error.message).toBe(
      "body: is not valid JSON (a JSON object, its keys and strings in double quotes, no trailing comma)",
    );
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
      expect(r.body.error.code).toMatch(/^invalid-(query|cursor)$/);
    }
    const typo = await json(await app.request("/tasks?staus=failed"));
    expect(typo).toMatchObject({ status: 400, body: { error: { code: "invalid-query" } } });
    expect(typo.body.error.message).toContain("staus is not a field of a listing query");
    expect(typo.body.error.message).toContain('did you mean "status"?');
  });

  it("GET /tasks?order=desc lists newest first with a prevCursor to walk back", async () => {
    const old = await taskq.createTask({ topic: "t", taskId: "a-old" });
    // a task updated later than the first (the database clock has moved on)
    const newer = await waitFor(
      async () => {
        const t = await taskq.createTask({ topic: "t" });
        return t.updatedAt > old.updatedAt ? t : null;
      },
      5000,
      "a newer task",
    );
    // oldest first, as the store orders ties (updatedAt, then taskId)
    const asc = (await taskq.listTasks({ topic: "t" }, { limit: 1000 })).data.map((t) => t.taskId);
    expect(asc.at(-1)).toBe(newer.taskId);
    const first = await json(await app.request("/tasks?topic=t&order=desc&limit=1"));
    expect(first.body.data.map((t: Task) => t.taskId)).toEqual([newer.taskId]);
    expect(first.body.prevCursor).toBeNull();
    // page by page to the last page (the oldest task), then one page back
    const seen = [first.body.data[0].taskId];
    let page = first;
    while (page.body.cursor) {
      page = await json(await app.request(`/tasks?topic=t&limit=1&cursor=${page.body.cursor}`));
      seen.push(page.body.data[0].taskId);
    }
    expect(seen).toEqual([...asc].reverse());
    const back = await json(await app.request(`/tasks?topic=t&limit=1&cursor=${page.body.prevCursor}`));
    expect(back.body.data.map((t: Task) => t.taskId)).toEqual([asc[1]]);
    expect((await json(await app.request("/tasks?topic=t&order=sideways"))).status).toBe(400);
  });

  it("GET /groups/:id/tasks pages a group as GET /tasks pages: { data, cursor, prevCursor }, status by status, default 100, at most 1000", async () => {
    // the group's own task (its id is the group's) and others in it, in several statuses, beside another group
    await taskq.createTask({ topic: "t", taskId: "g", data: 0 });
    await taskq.createTasks(
      Array.from({ length: 7 }, (_, i) => ({ topic: i % 2 ? "t" : "u", taskGroupId: "g", data: i + 1 })),
    );
    await taskq.createTasks([{ topic: "t", taskGroupId: "other" }, { topic: "t" }]);
    const r = (await taskq.reserveTask("u", "p"))!;
    await taskq.terminate(r.taskId, "p", { leaseId: r.leaseId! });
    await taskq.reserveTask("t", "p");
    await taskq.cancelTask((await taskq.tasks("g"))[3].taskId);
    // the order of GET /tasks, kept to the group's tasks
    const all = (await json(await app.request("/tasks?limit=1000"))).body.data as Task[];
    const expected = all.filter((t) => t.taskGroupId === "g").map((t) => t.taskId);
    expect(expected).toHaveLength(8);
    expect(new Set(all.filter((t) => t.taskGroupId === "g").map((t) => t.status)).size).toBeGreaterThanOrEqual(4);
    for (const order of ["asc", "desc"]) {
      const want = order === "asc"
        ? expected
        : (await json(await app.request("/tasks?limit=1000&order=desc"))).body.data
          .filter((t: Task) => t.taskGroupId === "g").map((t: Task) => t.taskId);
      const walked: string[] = [];
      const pages: { data: Task[]; cursor: string | null; prevCursor: string | null }[] = [];
      let url = `/groups/g/tasks?limit=3&order=${order}`;
      for (;;) {
        const page = await json(await app.request(url));
        expect(page.status).toBe(200);
        expect(Object.keys(page.body).sort()).toEqual(["cursor", "data", "prevCursor"]);
        expect(page.body.data.length).toBeLessThanOrEqual(3);
        pages.push(page.body);
        walked.push(...page.body.data.map((t: Task) => t.taskId));
        if (!page.body.cursor) break;
        url = `/groups/g/tasks?limit=3&cursor=${page.body.cursor}`;
      }
      expect(walked, order).toEqual(want);
      expect(pages[0].prevCursor).toBeNull();
      // and back from the last page to the one before it
      const back = await json(await app.request(`/groups/g/tasks?limit=3&cursor=${pages.at(-1)!.prevCursor}`));
      expect(back.body.data.map((t: Task) => t.taskId)).toEqual(pages.at(-2)!.data.map((t) => t.taskId));
    }
    // the library takes the same options
    const lib = await taskq.listTasks({ taskGroupId: "g" }, { limit: 3 });
    expect(lib.data.map((t) => t.taskId)).toEqual(expected.slice(0, 3));
    expect(await taskq.countTasks({ taskGroupId: "g" })).toBe(8);
    expect((await json(await app.request("/groups/none/tasks"))).body).toEqual({
      data: [],
      cursor: null,
      prevCursor: null,
    });
    // a page of 100 by default, at most 1000
    await taskq.createTasks(Array.from({ length: 150 }, () => ({ topic: "t", taskGroupId: "big" })));
    const first = await json(await app.request("/groups/big/tasks"));
    expect(first.body.data).toHaveLength(100);
    expect(first.body.cursor).toEqual(expect.any(String));
    const rest = await json(await app.request(`/groups/big/tasks?cursor=${first.body.cursor}`));
    expect(rest.body.data).toHaveLength(50);
    expect(rest.body.cursor).toBeNull();
    expect((await json(await app.request("/groups/big/tasks?limit=1000"))).body.data).toHaveLength(150);
    for (
      const [q, path, code] of [
        ["limit=0", "limit", "invalid-query"],
        ["limit=1001", "limit", "invalid-query"],
        ["order=sideways", "order", "invalid-query"],
        ["lmit=5", "lmit", "invalid-query"],
        ["cursor=zzz", "cursor", "invalid-cursor"],
      ]
    ) {
      const bad = await json(await app.request(`/groups/big/tasks?${q}`));
      expect(bad.status, q).toBe(400);
      expect(bad.body.error.code, q).toBe(code);
      expect(bad.body.error.issues[0].path, q).toBe(path);
    }
  });

  it("the dashboard's group page shows a page of the group with links to the next and previous pages", async () => {
    await taskq.createTasks(Array.from({ length: 120 }, (_, i) => ({ topic: "t", taskGroupId: "fan", data: i })));
    const rows = (page: string) =>
      [...page.matchAll(/<td class="id"><a class="clip" href="\/ui\/tasks\/([^"]+)"/g)].map((m) => m[1]);
    const seen: string[] = [];
    let url = "/ui/groups/fan";
    for (let pages = 0;; pages++) {
      expect(pages).toBeLessThan(3);
      const page = await (await app.request(url)).text();
      expect(page).toContain("120 tasks");
      expect(rows(page).length).toBeLessThanOrEqual(50);
      seen.push(...rows(page));
      const next = page.match(/<a href="([^"]+)" rel="next">/);
      if (!next) break;
      url = next[1].replaceAll("&amp;", "&");
    }
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
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

  it("the dashboard's links and redirects stay under its mount point, whatever the mount holds (a /ui of its own, a parameter)", async () => {
    await taskq.createTask({ topic: "a" });
    for (
      const [mount, at] of [["/ui", "/ui"], ["/ops/ui/queue", "/ops/ui/queue"], ["/:tenant/q", "/acme/q"], ["/", ""]]
    ) {
      const parent = new Hono();
      parent.route(mount, sokkaRoutes({ taskq }));
      const res = await parent.request(`${at}/ui/topics/pause`, {
        method: "POST",
        body: new URLSearchParams({ topic: "a" }),
      });
      expect(res.headers.get("location"), mount).toBe(`${at}/ui?notice=paused`);
      expect(await (await parent.request(`${at}/ui`)).text(), mount).toContain(`href="${at}/ui/tasks"`);
      expect(await (await parent.request(`${at}/ui/no/such/page`)).text(), mount).toContain(`href="${at}/ui">Back`);
      const wrong = await parent.request(`${at}/tasks`, { method: "PUT" });
      expect([wrong.status, wrong.headers.get("allow")], mount).toEqual([405, "GET, HEAD, POST"]);
      await taskq.resumeTopic("a");
    }
  });

  it("mounted with app.route(), as docs/http.md shows, every unknown path under the mount is the JSON 404 (the dashboard's, HTML), a wrong method the JSON 405", async () => {
    for (const prefix of ["/sokka", ""]) {
      const parent = new Hono();
      parent.get("/hello", (c) => c.text("hi"));
      parent.route(prefix || "/", sokkaRoutes({ taskq }));
      for (
        const [method, path] of [
          ["GET", "/nope"],
          ["GET", "/tasks/a/b/c"],
          ["PUT", "/topics/t"],
        ]
      ) {
        const res = await parent.request(`${prefix}${path}`, { method });
        expect(res.status, `${method} ${prefix}${path}`).toBe(404);
        expect(res.headers.get("content-type")).toMatch(/application\/json/);
        expect((await res.json()).error).toMatchObject({ type: "not-found", code: "route-not-found" });
      }
      // under /ui, a page of the dashboard: its own HTML 404, with a link back to the overview
      const page = await parent.request(`${prefix}/ui/no/such/page`);
      expect(page.status).toBe(404);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toContain(`<a href="${prefix}/ui">Back to the overview</a>`);
      // a path that is a route's, with a method it does not take: 405 naming those it does
      for (
        const [method, path, allow] of [
          ["DELETE", "/tasks/a", "GET, HEAD"],
          ["GET", "/topics/t/reserve", "POST"],
          ["GET", "/tasks/a/complete", "POST"],
          ["DELETE", "/ui/tasks/a", "GET, HEAD"],
        ]
      ) {
        const res = await parent.request(`${prefix}${path}`, { method });
        expect(res.status, `${method} ${prefix}${path}`).toBe(405);
        expect(res.headers.get("allow")).toBe(allow);
        expect(res.headers.get("content-type")).toMatch(/application\/json/);
        expect((await res.json()).error).toMatchObject({ type: "method-not-allowed", code: "method-not-allowed" });
      }
      expect(await (await parent.request("/hello")).text()).toBe("hi"); // the parent's own routes still answer
      expect((await parent.request(`${prefix}/tasks`)).status).toBe(200);
    }
  });

  it("names a missing field and what it must be; a non-object body says what came; a wrong content type is 415", async () => {
    const missing = await json(await post("/tasks", {}));
    expect(missing).toMatchObject({ status: 400, body: { error: { code: "invalid-task" } } });
    expect(missing.body.error.message).toBe(
      "body: topic is required: a non-empty string of at most 255 characters, without control characters or leading/trailing whitespace",
    );
    expect(missing.body.error.issues).toEqual([{
      path: "topic",
      message:
        "is required: a non-empty string of at most 255 characters, without control characters or leading/trailing whitespace",
    }]);
    const array = await json(await post("/tasks", [{ topic: "t" }]));
    expect(array.status).toBe(400);
    expect(array.body.error.message).toBe(
      "body: must be a task definition, not an array (many tasks go to POST /tasks/batch as { tasks: [...] })",
    );
    const unknown = await json(await post("/tasks", { topic: "t", priorty: 1 }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain(
      'priorty is not a field of a task definition (did you mean "priority"?)',
    );
    const noPid = await json(await post("/topics/t/reserve", {}));
    expect(noPid.body.error.message).toBe(
      "body: pid is required: a non-empty string of at most 255 characters, without control characters or leading/trailing whitespace",
    );
    for (
      const [type, payload] of [
        ["application/x-www-form-urlencoded", "topic=t"],
        ["text/plain", '{"topic":"t"}'],
        [null, '{"topic":"t"}'],
      ] as const
    ) {
      const res = await app.request("/tasks", {
        method: "POST",
        headers: type ? { "content-type": type } : {},
        body: payload,
      });
      const r = await json(res);
      expect(r.status, String(type)).toBe(415);
      expect(r.body.error).toMatchObject({ type: "unsupported-media-type", code: "unsupported-content-type" });
      expect(r.body.error.message).toContain("Content-Type: application/json");
    }
    const charset = await app.request("/tasks", {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: '{"topic":"t"}',
    });
    expect(charset.status).toBe(201);
    expect(await count()).toBe(1);
  });

  it("data nested 10,000 deep is a 400 naming the limit, never a 500", async () => {
    const big = sokkaRoutes({ taskq: createTaskQ({ url: ":memory:" }), maxBodyBytes: 1_000_000 });
    const deep = "[".repeat(10_000) + "1" + "]".repeat(10_000);
    const res = await big.request("/tasks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"topic":"t","data":${deep}}`,
    });
    const r = await json(res);
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe("bad-request");
  });
});

describe("pull consumers", () => {
  it("reserve (200 / 204), extend (204), complete, fail, snooze — fenced by leaseId", async () => {
    await taskq.createTasks([{ topic: "t", taskId: "a" }, { topic: "t", taskId: "b" }, { topic: "t", taskId: "c" }]);
    const a = (await json(await post("/topics/t/reserve", { pid: "p", leaseTimeMs: 5000 }))).body as Task;
    expect(a).toMatchObject({ taskId: "a", status: "running", pid: "p" });
    expect((await post(`/tasks/a/extend`, { pid: "p", leaseId: a.leaseId })).status).toBe(204);
    expect(await json(await post("/tasks/a/extend", { pid: "q", leaseId: a.leaseId }))).toMatchObject({
      status: 403,
      body: { error: { code: "wrong-owner" } },
    });
    expect((await json(await post("/tasks/a/complete", { pid: "p", leaseId: "stale" }))).status).toBe(403);
    expect((await json(await post("/tasks/a/complete", { pid: "p", leaseId: a.leaseId }))).body.status).toBe(
      "terminated",
    );
    expect((await json(await post("/tasks/a/complete", { pid: "p", leaseId: a.leaseId }))).status).toBe(409);
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
    expect((await json(await post("/tasks/nope/complete", { pid: "p", leaseId: "l" }))).status).toBe(404);
  });

  it("a tick in two requests: reserve n at once ({ tasks }), then every outcome in one POST /writes, fenced per write", async () => {
    await taskq.createTasks(["a", "b", "c", "d"].map((taskId) => ({ topic: "t", taskId })));
    const got = await json(await post("/topics/t/reserve", { pid: "p", n: 3 }));
    expect(got.status).toBe(200);
    const [a, b, c] = got.body.tasks as Task[];
    expect(got.body.tasks.map((t: Task) => t.taskId)).toEqual(["a", "b", "c"]);
    expect(new Set([a, b, c].map((t) => t.leaseId)).size).toBe(3);
    const written = await json(
      await post("/writes", {
        writes: [
          { op: "terminate", taskId: "a", pid: "p", leaseId: a.leaseId },
          { op: "fail", taskId: "b", pid: "p", leaseId: b.leaseId, error: "bounced" },
          { op: "terminate", taskId: "c", pid: "p", leaseId: "stale" }, // refused alone
          { op: "extendLease", taskId: "c", pid: "p", leaseId: c.leaseId, leaseTimeMs: 9000 },
        ],
      }),
    );
    expect(written.status).toBe(200);
    expect(written.body.results).toMatchObject([
      { task: { taskId: "a", status: "terminated" } },
      { task: { taskId: "b", status: "failed", error: "bounced" } },
      { error: { type: "forbidden", code: "wrong-owner", status: 403 } },
      { task: { taskId: "c", status: "running" } },
    ]);
    // one left, then none: { tasks: [] } rather than 204 once n is given
    expect((await json(await post("/topics/t/reserve", { pid: "p", n: 5 }))).body.tasks.map((t: Task) => t.taskId))
      .toEqual(["d"]);
    expect(await json(await post("/topics/t/reserve", { pid: "p", n: 5 }))).toEqual({
      status: 200,
      body: { tasks: [] },
    });
  });

  it("refuses a bad batch whole, naming the field, and writes nothing", async () => {
    await taskq.createTask({ topic: "t", taskId: "x" });
    const r = (await json(await post("/topics/t/reserve", { pid: "p", n: 1 }))).body.tasks[0] as Task;
    for (
      const body of [
        {},
        { writes: [] },
        { writes: [{ op: "terminate", taskId: "x", pid: "p" }] }, // no leaseId: a pull write names its reservation
        { writes: [{ op: "revokeLease", taskId: "x", recordVer: r.recordVer }] }, // an operator's action, not a consumer's
        { writes: [{ op: "terminate", taskId: "x", pid: "p", leaseId: r.leaseId, extra: 1 }] },
      ]
    ) {
      const res = await json(await post("/writes", body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid-request");
    }
    expect((await json(await post("/topics/t/reserve", { pid: "p", n: 1001 }))).status).toBe(400);
    expect(await taskq.task("x")).toMatchObject({ status: "running", recordVer: r.recordVer });
  });

  it("complete, fail, snooze and extend need the leaseId of a live reservation: a waiting task is never finished by a pull consumer", async () => {
    await taskq.createTask({ topic: "t", taskId: "w" });
    for (const action of ["complete", "fail", "snooze", "extend"]) {
      const noLease = await json(await post(`/tasks/w/${action}`, { pid: "anyone" }));
      expect(noLease.status, action).toBe(400);
      expect(noLease.body.error.message).toBe(
        "body: leaseId is required: a non-empty string of at most 255 characters, without control characters or leading/trailing whitespace",
      );
      const guessed = await json(await post(`/tasks/w/${action}`, { pid: "anyone", leaseId: "guess" }));
      // complete/fail: the fence refuses (403); a waiting task cannot snooze or be extended at all (409)
      expect(guessed.status, action).toBe(action === "extend" || action === "snooze" ? 409 : 403);
    }
    expect(await taskq.task("w")).toMatchObject({ status: "starting", recordVer: 1 });
  });

  it("refuses bad bodies with 400 and changes nothing", async () => {
    await taskq.createTask({ topic: "t", taskId: "a" });
    for (
      const [path, body] of [
        ["/topics/t/reserve", {}],
        ["/topics/t/reserve", { pid: "" }],
        ["/topics/t/reserve", { pid: "p", leaseTimeMs: -5 }],
        ["/topics/t/reserve", { pid: "p", leaseTimeMs: 2 ** 40 }],
        ["/topics/t/reserve", { pid: "p", waitMs: 30_001 }],
        ["/topics/t/reserve", { pid: "p", waitMs: -1 }],
        ["/topics/t/reserve", { pid: "p", waitMs: 1.5 }],
        ["/tasks/a/extend", { pid: 1 }],
        ["/tasks/a/complete", { pid: "p", leaseid: "x" }],
        ["/tasks/a/snooze", { pid: "p", snoozeTime: "soon" }],
        ["/tasks/a/fail", { pid: "p", errorMessage: 42 }],
      ] as const
    ) {
      expect((await post(path, body)).status, `${path} ${JSON.stringify(body)}`).toBe(400);
    }
    expect((await taskq.task("a"))!.status).toBe("starting");
  });
});

describe("retries, delays, priorities and results over HTTP", () => {
  it("POST /tasks takes priority, maxAttempts, backoff and runAt (an ISO string); bad ones are 400 by name", async () => {
    const runAt = new Date(Date.now() - 1000).toISOString();
    const created = await json(
      await post("/tasks", {
        topic: "h",
        taskId: "r1",
        priority: -3,
        maxAttempts: 2,
        backoff: { type: "fixed", delayMs: 0 },
        runAt,
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      priority: -3,
      maxAttempts: 2,
      backoff: { type: "fixed", delayMs: 0 },
      runAt: Date.parse(runAt),
      failures: 0,
      result: null,
    });
    for (
      const [body, path] of [
        [{ topic: "h", runAt: "soon" }, "runAt"],
        [{ topic: "h", maxAttempts: 0 }, "maxAttempts"],
        [{ topic: "h", backoff: { type: "fixed" } }, "backoff.delayMs"],
        [{ topic: "h", runAt: Date.now(), delayMs: 1 }, "delayMs"],
      ] as const
    ) {
      const r = await json(await post("/tasks", body));
      expect(r.status).toBe(400);
      expect(r.body.error.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(await count()).toBe(1);
  });

  it("fail with attempts left (the pull consumer's retry defaults) goes back to starting; complete keeps a result", async () => {
    await post("/tasks", { topic: "h", taskId: "r2" });
    const first = (await json(await post("/topics/h/reserve", { pid: "c1" }))).body as Task;
    const failedOnce = await json(
      await post("/tasks/r2/fail", {
        pid: "c1",
        leaseId: first.leaseId,
        errorMessage: "busy",
        retry: { maxAttempts: 2 },
      }),
    );
    expect(failedOnce.body).toMatchObject({ status: "starting", failures: 1, error: "busy" });
    const second = await waitFor(
      async () => {
        const r = await json(await post("/topics/h/reserve", { pid: "c1" }));
        return r.status === 200 ? r.body as Task : null;
      },
      10_000,
      "the backoff to end",
    );
    const done = await json(
      await post("/tasks/r2/complete", { pid: "c1", leaseId: second.leaseId, result: { rows: 3 } }),
    );
    expect(done.body).toMatchObject({ status: "terminated", result: { rows: 3 }, attempts: 2, failures: 1 });
    expect((await json(await app.request("/tasks/r2"))).body.result).toEqual({ rows: 3 });
    const page = await (await app.request("/ui/tasks/r2")).text();
    expect(page).toContain('data-testid="task-result"');
    expect(page).toMatch(/&quot;rows&quot;: 3|"rows": 3/);
    expect(page).toContain("2 reserved, 1 failed");
  });

  it("POST /writes carries a terminate's result and a fail's retry defaults, each fenced", async () => {
    await taskq.createTasks([{ topic: "w", taskId: "w1" }, { topic: "w", taskId: "w2" }]);
    const { tasks } = (await json(await post("/topics/w/reserve", { pid: "c", n: 2 }))).body as { tasks: Task[] };
    const byId = new Map(tasks.map((t) => [t.taskId, t]));
    const r = await json(
      await post("/writes", {
        writes: [
          { op: "terminate", taskId: "w1", pid: "c", leaseId: byId.get("w1")!.leaseId, result: [1, 2] },
          { op: "fail", taskId: "w2", pid: "c", leaseId: byId.get("w2")!.leaseId, retry: { maxAttempts: 3 } },
        ],
      }),
    );
    expect(r.body.results[0].task).toMatchObject({ status: "terminated", result: [1, 2] });
    expect(r.body.results[1].task).toMatchObject({ status: "starting", failures: 1 });
  });
});

describe("an operator's actions over HTTP", () => {
  it("cancel, hold, release and retry answer the task, 409 with its code when refused, 404 for no task", async () => {
    await taskq.createTasks([{ topic: "o", taskId: "o1" }, { topic: "o", taskId: "o2" }]);
    expect((await json(await post("/tasks/o1/hold", {}))).body).toMatchObject({ status: "held" });
    // no body at all is fine for an action without input
    const released = await json(await app.request("/tasks/o1/release", { method: "POST" }));
    expect(released).toMatchObject({ status: 200, body: { status: "starting" } });
    const cancelled = await json(await post("/tasks/o1/cancel", { reason: "dup" }));
    expect(cancelled.body).toMatchObject({ status: "cancelled", error: "dup" });
    const again = await json(await post("/tasks/o1/cancel", {}));
    expect(again).toMatchObject({ status: 409, body: { error: { code: "invalid-status-transition" } } });
    expect((await json(await post("/tasks/o1/retry", {}))).body).toMatchObject({ status: "starting", failures: 0 });
    expect(await json(await post("/tasks/nope/hold", {}))).toMatchObject({
      status: 404,
      body: { error: { code: "task-not-found" } },
    });
    const bad = await json(await post("/tasks/o2/cancel", { reason: 5 }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("reason");
    const wrongType = await app.request("/tasks/o2/hold", {
      method: "POST",
      body: "x",
      headers: { "content-type": "text/plain" },
    });
    expect(wrongType.status).toBe(415);
    expect((await taskq.task("o2"))!.status).toBe("starting");
  });

  it("a running task cancelled over HTTP refuses its pull consumer's outcome with task-cancelled", async () => {
    await post("/tasks", { topic: "pc", taskId: "pc1" });
    const t = (await json(await post("/topics/pc/reserve", { pid: "c" }))).body as Task;
    await post("/tasks/pc1/cancel", {});
    const late = await json(await post("/tasks/pc1/complete", { pid: "c", leaseId: t.leaseId }));
    expect(late).toMatchObject({ status: 409, body: { error: { code: "task-cancelled" } } });
  });

  it("pause and resume a topic (204), GET /topics shows it; prune deletes old finished tasks", async () => {
    await taskq.createTasks([{ topic: "pz", taskId: "p1" }, { topic: "pz", taskId: "p2" }]);
    expect((await app.request("/topics/pz/pause", { method: "POST" })).status).toBe(204);
    expect((await json(await post("/topics/pz/reserve", { pid: "c" }))).status).toBe(204);
    const topics = (await json(await app.request("/topics?prefix=pz"))).body as { data: { topic: string }[] };
    expect(topics.data.find((s) => s.topic === "pz")).toMatchObject({ paused: true, counts: { starting: 2 } });
    expect((await app.request("/topics/pz/resume", { method: "POST" })).status).toBe(204);
    expect((await json(await post("/topics/pz/reserve", { pid: "c" }))).status).toBe(200);
    const done = await taskq.terminate("p2", "x");
    await waitFor(() => Date.now() > done.updatedAt + 1, 5_000, "the clock to pass the task's last update");
    const pruned = await json(await post("/prune", { olderThanMs: 0, topic: "pz" }));
    expect(pruned).toMatchObject({ status: 200, body: { deleted: 1 } });
    const badPrune = await json(await post("/prune", { olderThanMs: -5 }));
    expect(badPrune.status).toBe(400);
    expect(badPrune.body.error.issues[0].path).toBe("olderThanMs");
  });
});

describe("names and error text over HTTP", () => {
  it("a name with a control character or outer whitespace, in a path, a query or a body, is a 400 naming the field and writes nothing", async () => {
    await taskq.createTask({ topic: "t", taskId: "a" });
    const r = (await taskq.reserveTask("t", "p"))!;
    const before = JSON.stringify(await taskq.listTasks({}));
    for (const [bad, says] of BAD_NAMES) {
      // a lone surrogate has no UTF-8 form, so no URL: it can come only in a JSON body ("\ud800")
      const seg = /\p{Cs}/u.test(bad) ? null : encodeURIComponent(bad);
      const fence = { pid: "p", leaseId: r.leaseId };
      type Request = [field: string, path: string, body?: unknown];
      const inPath: Request[] = seg === null ? [] : [
        ["taskId", `/tasks/${seg}`],
        ["taskGroupId", `/groups/${seg}/tasks`],
        ["topic", `/tasks?topic=${seg}`],
        ["subTopic", `/tasks?subTopic=${seg}`],
        ["topic", `/activity?topic=${seg}`],
        ["taskId", `/tasks/${seg}/cancel`, {}],
        ["taskId", `/tasks/${seg}/hold`, {}],
        ["taskId", `/tasks/${seg}/release`, {}],
        ["taskId", `/tasks/${seg}/retry`, {}],
        ["taskId", `/tasks/${seg}/revoke`, { recordVer: r.recordVer }],
        ["topic", `/topics/${seg}/pause`, {}],
        ["topic", `/topics/${seg}/resume`, {}],
        ["topic", `/topics/${seg}/reserve`, { pid: "p" }],
        ["taskId", `/tasks/${seg}/complete`, fence],
      ];
      const inBody: Request[] = [
        ["topic", "/tasks", { topic: bad }],
        ["subTopic", "/tasks", { topic: "t", subTopic: bad }],
        ["taskId", "/tasks", { topic: "t", taskId: bad }],
        ["taskGroupId", "/tasks", { topic: "t", taskGroupId: bad }],
        ["pid", "/topics/t/reserve", { pid: bad }],
        ["pid", "/tasks/a/complete", { ...fence, pid: bad }],
        ["leaseId", "/tasks/a/fail", { ...fence, leaseId: bad }],
        ["pid", "/tasks/a/snooze", { ...fence, pid: bad }],
        ["leaseId", "/tasks/a/extend", { ...fence, leaseId: bad }],
        ["writes.0.taskId", "/writes", { writes: [{ op: "terminate", taskId: bad, ...fence }] }],
        ["writes.0.pid", "/writes", { writes: [{ op: "terminate", taskId: "a", ...fence, pid: bad }] }],
        ["topic", "/prune", { olderThanMs: 0, topic: bad }],
      ];
      for (const [field, path, body] of [...inPath, ...inBody]) {
        const res = await json(await (body === undefined ? app.request(path) : post(path, body)));
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.error.issues[0], `${path} ${JSON.stringify(body)}`).toEqual({ path: field, message: says });
        expect(res.body.error.message).toContain(`${field} ${says}`);
      }
    }
    expect(JSON.stringify(await taskq.listTasks({}))).toBe(before);
    expect((await taskq.topicStats()).map((s) => [s.topic, s.paused])).toEqual([["t", false]]);
  });

  it("error text and a cancel reason over 4,000 characters are cut with a marker; the outcome is written", async () => {
    const roomy = sokkaRoutes({ taskq }); // the default body limit, 1.5 MiB
    const send = (path: string, body: unknown) =>
      roomy.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const cut = (s: string) => s.slice(0, 4_000 - "…(truncated)".length) + "…(truncated)";
    const huge = "e".repeat(1_000_000);
    await taskq.createTasks([{ topic: "t" }, { topic: "t" }, { topic: "t" }]);
    const [a, b] = await taskq.reserveTasks("t", "p", 2);
    const failed = await json(
      await send(`/tasks/${a.taskId}/fail`, { pid: "p", leaseId: a.leaseId, errorMessage: huge }),
    );
    expect(failed).toMatchObject({ status: 200, body: { status: "failed", error: cut(huge) } });
    const writes = await json(
      await send("/writes", { writes: [{ op: "fail", taskId: b.taskId, pid: "p", leaseId: b.leaseId, error: huge }] }),
    );
    expect(writes.body.results[0].task).toMatchObject({ status: "failed", error: cut(huge) });
    const waiting = (await taskq.listTasks({ status: "starting" })).data[0];
    const cancelled = await json(await send(`/tasks/${waiting.taskId}/cancel`, { reason: `r${huge}` }));
    expect(cancelled).toMatchObject({ status: 200, body: { status: "cancelled", error: cut(`r${huge}`) } });
  });

  it("prune with no statuses keeps an old held and an old running task (and waiting ones), deleting only finished ones", async () => {
    await taskq.createTasks([{ topic: "t", taskId: "held" }, { topic: "t", taskId: "run" }, { topic: "t" }]);
    await taskq.holdTask("held");
    await taskq.reserveTask("t", "p"); // "run"
    const done = await taskq.reserveTask("t", "p");
    await taskq.terminate(done!.taskId, "p");
    await taskq.cancelTask((await taskq.createTask({ topic: "u" })).taskId);
    const last = Math.max(...(await taskq.listTasks({})).data.map((t) => t.updatedAt));
    await waitFor(() => Date.now() > last + 2, 5_000, "every task to be older than now");
    const pruned = await json(await post("/prune", { olderThanMs: 0 }));
    expect(pruned).toMatchObject({ status: 200, body: { deleted: 2 } });
    expect((await taskq.listTasks({})).data.map((t) => [t.taskId, t.status])).toEqual([
      ["run", "running"],
      ["held", "held"],
    ]);
  });
});
