/**
 * Schedules over HTTP (GET/PUT/DELETE /schedules/:name, pause, resume,
 * POST /schedules/fire, GET /tasks?schedule=) on the real Hono app and a
 * real libSQL store, the database clock moved by a TestClock: each route,
 * its refusals (400 naming the field, 404, 415, never 500), the cross-site
 * guard and an auth middleware in front of the writes, and a fire after the
 * clock moved on making exactly the expected slot tasks.
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import * as v from "valibot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, type FireResult, type Page, type Schedule, type TaskQ, TestClock } from "../mod.ts";
import { FireResultOut, type Same, ScheduleOut } from "../src/http/answers.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
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

/** A request with a JSON body (when given), answered as { status, body }. */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const DAILY = { cron: "0 0 * * *", topic: "reports", data: { kind: "daily" } };

describe("the routes", () => {
  it("PUT creates (201) then replaces (200); GET reads one and lists them (by topic); pause, resume; DELETE (204, then 404)", async () => {
    clock.set("2030-01-01T12:00:00Z");
    const created = await call("PUT", "/schedules/nightly", { ...DAILY, timezone: "Europe/London" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const s = created.body as Schedule;
    expect(v.is(ScheduleOut, s)).toBe(true);
    expect(s).toMatchObject({
      name: "nightly",
      cron: "0 0 * * *",
      timezone: "Europe/London",
      topic: "reports",
      subTopic: "default",
      data: { kind: "daily" },
      overlap: "allow",
      backfillMs: 0,
      paused: false,
      nextSlotAt: Date.parse("2030-01-02T00:00:00Z"), // London is on UTC in winter
      lastSlotAt: null,
      version: 1,
    });
    expect(await taskq.getSchedule("nightly")).toEqual(s);

    // the same name again: replaced, 200; a body name equal to the path's is taken too
    const replaced = await call("PUT", "/schedules/nightly", { ...DAILY, name: "nightly", cron: "0 6 * * *" });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ cron: "0 6 * * *", timezone: "UTC", version: 2, createdAt: s.createdAt });
    expect(replaced.body.nextSlotAt).toBe(Date.parse("2030-01-02T06:00:00Z"));

    expect(await call("GET", "/schedules/nightly")).toEqual({ status: 200, body: replaced.body });
    await call("PUT", "/schedules/hourly", { cron: "@hourly", topic: "pings" });
    const all = await call("GET", "/schedules");
    expect(all.status).toBe(200);
    expect(Object.keys(all.body)).toEqual(["data"]);
    expect(all.body.data.map((x: Schedule) => x.name)).toEqual(["hourly", "nightly"]);
    expect(all.body.data).toEqual(await taskq.listSchedules());
    const reports = await call("GET", "/schedules?topic=reports");
    expect(reports.body.data.map((x: Schedule) => x.name)).toEqual(["nightly"]);
    expect((await call("GET", "/schedules?topic=nothing")).body).toEqual({ data: [] });

    const paused = await call("POST", "/schedules/nightly/pause");
    expect([paused.status, paused.body.paused]).toEqual([200, true]);
    expect((await taskq.getSchedule("nightly"))!.paused).toBe(true);
    const resumed = await call("POST", "/schedules/nightly/resume", {}); // an empty body is taken as none
    expect([resumed.status, resumed.body.paused]).toEqual([200, false]);
    expect(v.is(ScheduleOut, resumed.body)).toBe(true);

    expect(await call("DELETE", "/schedules/nightly")).toEqual({ status: 204, body: null });
    expect(await taskq.getSchedule("nightly")).toBeNull();
    for (
      const [method, path] of [
        ["DELETE", "/schedules/nightly"],
        ["GET", "/schedules/nightly"],
        ["POST", "/schedules/nightly/pause"],
        ["POST", "/schedules/nightly/resume"],
      ]
    ) {
      const r = await call(method, path);
      expect([r.status, r.body.error.code], `${method} ${path}`).toEqual([404, "schedule-not-found"]);
      expect(r.body.error.message).toContain('"nightly"');
    }
  });

  it("a PUT then POST /schedules/fire with the clock moved on makes exactly the due slots' tasks; GET /tasks?schedule= lists them", async () => {
    clock.set("2030-01-01T12:00:00Z");
    expect((await call("PUT", "/schedules/daily", { ...DAILY, backfillMs: 3 * 86_400_000 })).status).toBe(201);
    expect((await call("PUT", "/schedules/latest-only", { ...DAILY, topic: "other" })).status).toBe(201);
    await taskq.createTask({ topic: "reports", taskId: "by-hand" });

    const early = await call("POST", "/schedules/fire");
    expect(early.status).toBe(200);
    expect(v.is(FireResultOut, early.body)).toBe(true);
    expect(early.body).toMatchObject({ fired: 0, nextSlotAt: Date.parse("2030-01-02T00:00:00Z") });

    clock.shift(2.5 * 86_400_000); // 2030-01-04T00:00Z and then some: three slots of each are due
    // only the schedules of the topics given
    const one = (await call("POST", "/schedules/fire", { topics: ["reports"] })).body as FireResult;
    expect(one.fired).toBe(3); // the backfill window holds all three
    expect(one.now).toBeGreaterThanOrEqual(Date.parse("2030-01-04T00:00:00Z"));
    expect((await taskq.getSchedule("latest-only"))!.lastSlotAt).toBeNull();
    const rest = (await call("POST", "/schedules/fire", {})).body as FireResult;
    expect(rest.fired).toBe(1); // no backfill: the latest missed slot only
    expect(rest.nextSlotAt).toBe(Date.parse("2030-01-05T00:00:00Z"));
    expect((await call("POST", "/schedules/fire")).body.fired).toBe(0); // nothing is fired twice

    const listed = await call("GET", "/tasks?schedule=daily&order=asc");
    expect(listed.status).toBe(200);
    const page = listed.body as Page;
    const days = ["2030-01-02", "2030-01-03", "2030-01-04"];
    expect(page.data.map((t) => t.taskId).sort()).toEqual(days.map((d) => `daily@${d}T00:00:00Z`));
    expect(page.data.map((t) => t.slotAt).sort()).toEqual(days.map((d) => Date.parse(`${d}T00:00:00Z`)));
    for (const t of page.data) {
      expect([t.scheduleName, t.topic, t.data]).toEqual(["daily", "reports", { kind: "daily" }]);
    }
    const other = (await call("GET", "/tasks?schedule=latest-only")).body as Page;
    expect(other.data.map((t) => t.taskId)).toEqual(["latest-only@2030-01-04T00:00:00Z"]);
    expect((await call("GET", "/tasks?schedule=nothing")).body.data).toEqual([]);
    expect(await taskq.countTasks({})).toBe(5); // 3 + 1 + the one made by hand
    const s = (await call("GET", "/schedules/daily")).body as Schedule;
    expect([s.lastSlotAt, s.lastTaskId]).toEqual([Date.parse("2030-01-04T00:00:00Z"), "daily@2030-01-04T00:00:00Z"]);
  });

  it("the document's Schedule schema is the Schedule type (answers.ts checks it at compile time; the check bites)", () => {
    const { lastTaskId: _, ...lessEntries } = ScheduleOut.entries;
    const less = v.strictObject(lessEntries);
    const notNull = v.strictObject({ ...ScheduleOut.entries, nextSlotAt: v.number() });
    // @ts-expect-error a field missing
    const lessIsSchedule: Same<v.InferOutput<typeof less>, Schedule> = true;
    // @ts-expect-error a field of another type (never null)
    const notNullIsSchedule: Same<v.InferOutput<typeof notNull>, Schedule> = true;
    const outIsSchedule: Same<v.InferOutput<typeof ScheduleOut>, Schedule> = true;
    const outIsFireResult: Same<v.InferOutput<typeof FireResultOut>, FireResult> = true;
    expect([lessIsSchedule, notNullIsSchedule, outIsSchedule, outIsFireResult]).toEqual([true, true, true, true]);
  });

  it("GET /tasks documents ?schedule= in the OpenAPI document, and PUT its 200 and 201", async () => {
    const doc = (await call("GET", "/openapi.json")).body as Json;
    const param = doc.paths["/tasks"].get.parameters.find((p: Json) => p.name === "schedule");
    expect(param).toMatchObject({ in: "query", required: false, schema: { type: "string", maxLength: 200 } });
    const put = doc.paths["/schedules/{name}"].put;
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(["200", "201", "400", "403", "409"]));
    expect(put.responses[201].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Schedule" });
    expect(doc.paths["/schedules/{name}"].delete.responses[404].description).toMatch(/schedule-not-found/);
    // a schedule's name in the path: a name as every other (the same pattern), of at most 200 characters
    const name = doc.paths["/schedules/{name}"].get.parameters[0];
    const taskId = doc.paths["/tasks/{taskId}"].get.parameters[0];
    expect(name).toMatchObject({ name: "name", in: "path", schema: { ...taskId.schema, maxLength: 200 } });
    expect(doc.paths["/schedules/fire"].post.responses[200].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/FireResult",
    });
  });
});

describe("refusals: 400 naming the field (invalid-schedule), 415, never 500; nothing written", () => {
  it("a bad definition, a body name other than the path's, a bad path name", async () => {
    const long = "n".repeat(201);
    for (
      const [path, body, field] of [
        ["/schedules/s", { ...DAILY, name: "other" }, "name"],
        ["/schedules/s", { ...DAILY, cron: "61 * * * *" }, "cron"],
        ["/schedules/s", { ...DAILY, cron: "" }, "cron"],
        ["/schedules/s", { ...DAILY, timezone: "Mars/Olympus_Mons" }, "timezone"],
        ["/schedules/s", { ...DAILY, overlap: "sometimes" }, "overlap"],
        ["/schedules/s", { ...DAILY, backfillMs: -1 }, "backfillMs"],
        ["/schedules/s", { ...DAILY, backfillMs: 8 * 86_400_000 }, "backfillMs"],
        ["/schedules/s", { ...DAILY, priority: 1.5 }, "priority"],
        ["/schedules/s", { ...DAILY, paused: "yes" }, "paused"],
        ["/schedules/s", { ...DAILY, crn: "* * * * *" }, "crn"],
        ["/schedules/s", { cron: "* * * * *" }, "topic"],
        ["/schedules/s", { ...DAILY, topic: "a\nb" }, "topic"],
        ["/schedules/s", { ...DAILY, data: { big: "x".repeat(1_100_000) } }, "data"],
        [`/schedules/${long}`, DAILY, "name"],
        ["/schedules/%20s", DAILY, "name"],
      ] as [string, Json, string][]
    ) {
      const r = await call("PUT", path, body);
      const what = `${path.slice(0, 40)} ${JSON.stringify(body).slice(0, 80)}`;
      // data past the store's maxDataBytes is 413 data-too-large, as for a task
      const [status, code] = field === "data" ? [413, "data-too-large"] : [400, "invalid-schedule"];
      expect([r.status, r.body.error.code], `${what}: ${JSON.stringify(r.body).slice(0, 300)}`).toEqual([status, code]);
      expect(r.body.error.issues.map((i: Json) => i.path), what).toContain(field);
    }
    for (const [method, path] of [["GET", "/schedules/a%0Ab"], ["DELETE", "/schedules/a%0Ab"]]) {
      const r = await call(method, path);
      expect([r.status, r.body.error.code, r.body.error.issues[0].path]).toEqual([400, "invalid-schedule", "name"]);
    }
    const notJson = await app.request("/schedules/s", { method: "PUT", body: "cron=* * * * *" });
    expect(notJson.status).toBe(415);
    const noBody = await call("PUT", "/schedules/s", "{");
    expect(noBody.status).toBe(400);
    expect(await taskq.listSchedules()).toEqual([]);
  });

  it("bad queries and fire bodies", async () => {
    for (
      const [method, path, body, field] of [
        ["GET", "/schedules?topic=a%0Ab", undefined, "topic"],
        ["GET", "/schedules?topc=a", undefined, "topc"],
        ["GET", "/tasks?schedule=%20x", undefined, "schedule"],
        ["POST", "/schedules/fire", { topics: "reports" }, "topics"],
        ["POST", "/schedules/fire", { topics: ["a\u202eb"] }, "topics.0"],
        ["POST", "/schedules/fire", { topic: ["reports"] }, "topic"],
        ["POST", "/schedules/s/pause", { force: true }, "force"],
      ] as [string, string, unknown, string][]
    ) {
      const r = await call(method, path, body);
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.issues.map((i: Json) => i.path)).toContain(field);
    }
  });
});

describe("the writes are guarded as every other write", () => {
  it("a page of another site can neither fire, define, delete nor pause a schedule (403 cross-site-request)", async () => {
    clock.set("2030-01-01T12:00:00Z");
    await taskq.schedule({ name: "daily", ...DAILY });
    clock.shift(86_400_000);
    const before = JSON.stringify(await taskq.getSchedule("daily"));
    const foreign = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
    for (
      const [method, path, body] of [
        ["POST", "/schedules/fire", {}],
        ["PUT", "/schedules/daily", { ...DAILY, cron: "* * * * *" }],
        ["PUT", "/schedules/new", DAILY],
        ["DELETE", "/schedules/daily", undefined],
        ["POST", "/schedules/daily/pause", {}],
      ] as [string, string, unknown][]
    ) {
      const r = await call(method, path, body, foreign);
      expect([r.status, r.body.error.code], `${method} ${path}`).toEqual([403, "cross-site-request"]);
    }
    expect(JSON.stringify(await taskq.getSchedule("daily"))).toBe(before);
    expect(await taskq.getSchedule("new")).toBeNull();
    expect(await taskq.countTasks({})).toBe(0);
    // the same page may read (GET is no write), and an allowed origin may fire
    expect((await call("GET", "/schedules", undefined, foreign)).status).toBe(200);
    app = sokkaRoutes({ taskq, allowedOrigins: ["https://evil.example"] });
    expect((await call("POST", "/schedules/fire", {}, foreign)).body.fired).toBe(1);
  });

  it("behind an auth middleware: 401 without the token, fired with it", async () => {
    clock.set("2030-01-01T12:00:00Z");
    await taskq.schedule({ name: "daily", ...DAILY });
    clock.shift(86_400_000);
    const outer = new Hono();
    outer.use("/sokka/*", bearerAuth({ token: "s3cret" }));
    outer.route("/sokka", sokkaRoutes({ taskq }));
    expect((await outer.request("/sokka/schedules/fire", { method: "POST" })).status).toBe(401);
    expect((await outer.request("/sokka/schedules")).status).toBe(401);
    expect(await taskq.countTasks({})).toBe(0);
    const res = await outer.request("/sokka/schedules/fire", {
      method: "POST",
      headers: { authorization: "Bearer s3cret" },
    });
    expect([res.status, (await res.json()).fired]).toEqual([200, 1]);
  });
});
