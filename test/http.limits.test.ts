/**
 * Topic limits over HTTP on the real Hono app and a real store, on every
 * target (`:memory:`, `file:` on each SQLite library, sqld over HTTP): GET,
 * PUT and DELETE /topics/:topic/limits; the TopicStats fields (`limits`,
 * `running`, `heldBack`) on GET /topics; `partitionKey` through POST /tasks
 * and /tasks/batch; `holdTopic` (rateLimited over HTTP) on a snooze and in
 * POST /writes; the limit gauges of GET /metrics. Every answer is checked
 * against the schema the OpenAPI document gives its status; every refusal is
 * a 400 naming the field and changes nothing.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Hono } from "hono";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TaskQ, TopicStats } from "../mod.ts";
import { openApiDocument } from "../src/http/openapi.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { TARGETS, uniq } from "./helpers.ts";

type Json = Record<string, any>;

const doc = openApiDocument() as Json;
const ajv = new Ajv2020({ strict: false });
ajv.addSchema({ $id: "doc", components: doc.components });

/** The document's path template a concrete path is asked through (a literal path wins over a template). */
function templateOf(method: string, path: string): string {
  const bare = path.split("?")[0];
  const found = Object.keys(doc.paths).filter((t) =>
    doc.paths[t][method.toLowerCase()] && new RegExp(`^${t.replace(/\{\w+\}/g, "[^/]+")}$`).test(bare)
  );
  found.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  expect(found.length, `${method} ${bare}`).toBeGreaterThan(0);
  return found[0];
}

/** The answer schema the document gives `status` of `method` `path`, compiled. */
function documented(method: string, path: string, status: number) {
  const op = doc.paths[templateOf(method, path)][method.toLowerCase()];
  const answer = op.responses[status];
  expect(answer, `${method} ${path} documents ${status}`).toBeDefined();
  const schema = answer.content?.["application/json"]?.schema;
  return schema
    ? ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')))
    : null;
}

describe.each(TARGETS)("$name", (target) => {
  let taskq: TaskQ;
  let cleanup: () => Promise<void>;
  let app: Hono;
  let topic: string;
  beforeEach(() => {
    ({ taskq, cleanup } = target.make());
    app = sokkaRoutes({ taskq });
    topic = uniq("lim");
  });
  afterEach(() => cleanup());

  /** A request (a JSON body when given; a string is sent as is), answered as { status, body }, checked against the document. */
  async function call(method: string, path: string, body?: unknown, type = "application/json") {
    const res = await app.request(path, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": type }, body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    const check = documented(method, path, res.status);
    if (check) {
      expect(check(parsed), `${method} ${path} ${res.status}: ${JSON.stringify(check.errors)} in ${text}`).toBe(true);
    }
    return { status: res.status, body: parsed };
  }

  const stats = async (t = topic): Promise<TopicStats> => {
    const page = await call("GET", `/topics?prefix=${encodeURIComponent(t)}&limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.data[0]?.topic).toBe(t);
    return page.body.data[0];
  };

  it("GET, PUT and DELETE /topics/:topic/limits: the limits as stored, null when none; DELETE is idempotent", async () => {
    const path = `/topics/${topic}/limits`;
    expect(await call("GET", path)).toEqual({ status: 200, body: { topic, limits: null } });
    const put = await call("PUT", path, { concurrency: 3, rate: { limit: 50, periodMs: 1000 } });
    const stored = { concurrency: 3, rate: { limit: 50, periodMs: 1000, burst: 0 } };
    expect(put).toEqual({ status: 200, body: { topic, limits: stored } });
    expect(await taskq.topicLimits(topic)).toEqual(stored);
    expect(await call("GET", path)).toEqual({ status: 200, body: { topic, limits: stored } });
    // a PUT replaces them whole
    const per = { concurrency: 1, partitioned: true };
    expect((await call("PUT", path, per)).body).toEqual({ topic, limits: per });
    expect((await call("PUT", path, { rate: { limit: 5, periodMs: 60_000, burst: 2 } })).body.limits).toEqual({
      rate: { limit: 5, periodMs: 60_000, burst: 2 },
    });
    // a limited topic without tasks is on GET /topics, with its limits
    expect(await stats()).toMatchObject({ limits: { rate: { limit: 5 } }, running: 0, heldBack: 0 });
    expect(await call("DELETE", path)).toEqual({ status: 200, body: { topic, limits: null } });
    expect(await taskq.topicLimits(topic)).toBeNull();
    expect(await call("DELETE", path)).toEqual({ status: 200, body: { topic, limits: null } });
    expect(await call("GET", path)).toEqual({ status: 200, body: { topic, limits: null } });
  });

  it("a refused PUT is a 400 naming the field and changes nothing; a body that is not JSON is a 415", async () => {
    const path = `/topics/${topic}/limits`;
    const before = { concurrency: 2 };
    await taskq.setTopicLimits(topic, before);
    const cases: [body: unknown, field: string][] = [
      [{}, "concurrency"], // neither concurrency nor rate
      [{ partitioned: true }, "concurrency"],
      [{ concurrency: 0 }, "concurrency"],
      [{ concurrency: 100_001 }, "concurrency"],
      [{ concurrency: 2.5 }, "concurrency"],
      [{ concurrency: "5" }, "concurrency"],
      [{ rate: { limit: 5 } }, "rate.periodMs"],
      [{ rate: { periodMs: 1000 } }, "rate.limit"],
      [{ rate: { limit: 5, periodMs: 86_400_001 } }, "rate.periodMs"],
      [{ rate: { limit: 5, periodMs: 1000, burst: -1 } }, "rate.burst"],
      [{ rate: { limit: 5, periodMs: 1000, brust: 1 } }, "rate.brust"],
      [{ concurrency: 1, partitioned: "yes" }, "partitioned"],
      [{ concurrency: 1, concurency: 2 }, "concurency"],
      [[], ""],
      [null, ""],
    ];
    for (const [body, field] of cases) {
      const what = JSON.stringify(body);
      const res = await call("PUT", path, body);
      expect(res.status, what).toBe(400);
      expect(res.body.error, what).toMatchObject({ type: "bad-request", code: "invalid-options" });
      expect(res.body.error.issues.map((i: { path: string }) => i.path), what).toContain(field);
      expect(await taskq.topicLimits(topic), what).toEqual(before);
    }
    // a topic the store refuses by name (too long), on each method
    const long = "x".repeat(256);
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await call(method, `/topics/${long}/limits`, method === "PUT" ? { concurrency: 1 } : undefined);
      expect(res.status, method).toBe(400);
      expect(res.body.error.issues?.map((i: { path: string }) => i.path) ?? [res.body.error.message], method)
        .toEqual([expect.stringContaining("topic")]);
    }
    const text = await call("PUT", path, "concurrency=1", "application/x-www-form-urlencoded");
    expect(text.status).toBe(415);
    expect(await taskq.topicLimits(topic)).toEqual(before);
  });

  it("GET /topics answers running (lease-holding) against the cap and heldBack, as topicStats() does", async () => {
    await call("PUT", `/topics/${topic}/limits`, { concurrency: 2 });
    for (let i = 0; i < 5; i++) expect((await call("POST", "/tasks", { topic })).status).toBe(201);
    const reserved = await call("POST", `/topics/${topic}/reserve`, { pid: "c", n: 10 });
    expect(reserved.body.tasks).toHaveLength(2); // the cap
    const s = await stats();
    expect(s).toMatchObject({ limits: { concurrency: 2 }, running: 2, heldBack: 3 });
    expect(s.counts).toMatchObject({ running: 2, starting: 3 });
    const direct = (await taskq.topicStats()).find((x) => x.topic === topic)!;
    expect({ ...s, oldestReadyAgeMs: 0 }).toEqual({ ...direct, oldestReadyAgeMs: 0 });
    // one ends: a slot frees, the next is reservable
    const [a] = reserved.body.tasks;
    expect((await call("POST", `/tasks/${a.taskId}/complete`, { pid: "c", leaseId: a.leaseId })).status).toBe(200);
    expect(await stats()).toMatchObject({ running: 1, heldBack: 2 });
    expect((await call("POST", `/topics/${topic}/reserve`, { pid: "c" })).status).toBe(200);
    expect((await call("POST", `/topics/${topic}/reserve`, { pid: "c" })).status).toBe(204);
    // an unlimited topic: running is its running count, nothing held back
    const free = uniq("free");
    await call("POST", "/tasks", { topic: free });
    await call("POST", `/topics/${free}/reserve`, { pid: "c" });
    expect(await stats(free)).toMatchObject({ limits: null, running: 1, heldBack: 0 });
  });

  it("partitionKey through POST /tasks and /tasks/batch: answered, stored, per-key caps; a bad key is a 400 naming it", async () => {
    await call("PUT", `/topics/${topic}/limits`, { concurrency: 1, partitioned: true });
    const one = await call("POST", "/tasks", { topic, partitionKey: "customer-1" });
    expect(one.status).toBe(201);
    expect(one.body.partitionKey).toBe("customer-1");
    const batch = await call("POST", "/tasks/batch", {
      tasks: [{ topic, partitionKey: "customer-1" }, { topic, partitionKey: "customer-2" }, { topic }],
    });
    expect(batch.status).toBe(201);
    expect(batch.body.tasks.map((t: Json) => t.partitionKey)).toEqual(["customer-1", "customer-2", null]);
    expect((await taskq.task(batch.body.tasks[1].taskId))?.partitionKey).toBe("customer-2");
    // one per key runs; the task without a key waits in a partitioned topic
    const got = await call("POST", `/topics/${topic}/reserve`, { pid: "c", n: 10 });
    expect(got.body.tasks.map((t: Json) => t.partitionKey).sort()).toEqual(["customer-1", "customer-2"]);
    expect(await stats()).toMatchObject({ running: 2, heldBack: 2 });
    const before = await taskq.countTasks({ topic });
    for (const body of [{ topic, partitionKey: "" }, { topic, partitionKey: 5 }]) {
      const res = await call("POST", "/tasks", body);
      expect(res.status).toBe(400);
      expect(res.body.error.issues.map((i: Json) => i.path)).toContain("partitionKey");
      const many = await call("POST", "/tasks/batch", { tasks: [{ topic }, body] });
      expect(many.status).toBe(400);
      expect(many.body.error.issues.map((i: Json) => i.path)).toContain("tasks.1.partitionKey");
    }
    expect(await taskq.countTasks({ topic })).toBe(before);
  });

  it("holdTopic on a snooze (and a snooze write of POST /writes) holds the topic back for snoozeTime, as rateLimited() does", async () => {
    for (let i = 0; i < 3; i++) await call("POST", "/tasks", { topic });
    const a = (await call("POST", `/topics/${topic}/reserve`, { pid: "c" })).body;
    const snoozed = await call("POST", `/tasks/${a.taskId}/snooze`, {
      pid: "c",
      leaseId: a.leaseId,
      snoozeTime: 600_000,
      holdTopic: true,
    });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body).toMatchObject({ taskId: a.taskId, status: "snoozed", snoozeTime: 600_000, failures: 0 });
    // nothing of the topic is reserved now, though two tasks are ready: both held back
    expect((await call("POST", `/topics/${topic}/reserve`, { pid: "c" })).status).toBe(204);
    expect(await stats()).toMatchObject({ heldBack: 2 });
    // resumeTopic does not clear it
    await call("POST", `/topics/${topic}/resume`);
    expect((await call("POST", `/topics/${topic}/reserve`, { pid: "c" })).status).toBe(204);

    // the same through POST /writes, on another topic; a plain snooze holds nothing back
    const other = uniq("lim");
    for (let i = 0; i < 2; i++) await call("POST", "/tasks", { topic: other });
    const b = (await call("POST", `/topics/${other}/reserve`, { pid: "c" })).body;
    const plain = await call("POST", `/tasks/${b.taskId}/snooze`, {
      pid: "c",
      leaseId: b.leaseId,
      snoozeTime: 600_000,
    });
    expect(plain.status).toBe(200);
    const c = (await call("POST", `/topics/${other}/reserve`, { pid: "c" })).body;
    expect(c.taskId).not.toBe(b.taskId);
    const writes = await call("POST", "/writes", {
      writes: [{ op: "snooze", taskId: c.taskId, pid: "c", leaseId: c.leaseId, snoozeTime: 600_000, holdTopic: true }],
    });
    expect(writes.status).toBe(200);
    expect(writes.body.results[0].task).toMatchObject({ taskId: c.taskId, status: "snoozed" });
    await call("POST", "/tasks", { topic: other });
    expect((await call("POST", `/topics/${other}/reserve`, { pid: "c" })).status).toBe(204);
    expect(await stats(other)).toMatchObject({ heldBack: 1 });

    // holdTopic must be a boolean; refused, nothing changed (a lost fence is the snooze's own 403/409)
    const d = await taskq.createTask({ topic: uniq("lim") });
    const refused = await call("POST", `/tasks/${d.taskId}/snooze`, { pid: "c", leaseId: "x", holdTopic: "yes" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues.map((i: Json) => i.path)).toEqual(["holdTopic"]);
    const lost = await call("POST", `/tasks/${d.taskId}/snooze`, { pid: "c", leaseId: "x", holdTopic: true });
    expect([403, 409]).toContain(lost.status);
    expect(await taskq.task(d.taskId)).toEqual(d);
  });

  it("GET /metrics: limit gauges for limited topics only, each the store's number", async () => {
    const rated = uniq("lim");
    const free = uniq("lim");
    await call("PUT", `/topics/${topic}/limits`, { concurrency: 2 });
    await call("PUT", `/topics/${rated}/limits`, { rate: { limit: 3, periodMs: 2000, burst: 1 } });
    for (const t of [topic, topic, topic, free]) await call("POST", "/tasks", { topic: t });
    await call("POST", `/topics/${topic}/reserve`, { pid: "c", n: 5 });
    await call("POST", `/topics/${free}/reserve`, { pid: "c" });
    // only these three topics (the remote target's database is shared with other tests)
    const scrape = async (prefix: string) => {
      const res = await app.request(`/metrics?prefix=${encodeURIComponent(prefix)}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      return { text, families: parsePrometheusTextFormat(text) as Json[] };
    };
    const samples = async (prefix: string, name: string) =>
      Object.fromEntries(
        ((await scrape(prefix)).families.find((f) => f.name === name)?.metrics ?? []).map((m: Json) => [
          m.labels.topic,
          Number(m.value),
        ]),
      );
    const prefix = "lim-";
    const mine = (o: Record<string, number>) =>
      Object.fromEntries(Object.entries(o).filter(([t]) => [topic, rated, free].includes(t)));
    expect(mine(await samples(prefix, "sokka_topic_limit_concurrency"))).toEqual({ [topic]: 2 });
    expect(mine(await samples(prefix, "sokka_topic_limit_rate"))).toEqual({ [rated]: 1.5 });
    expect(mine(await samples(prefix, "sokka_topic_running"))).toEqual({ [topic]: 2, [rated]: 0 });
    expect(mine(await samples(prefix, "sokka_topic_held_back"))).toEqual({ [topic]: 1, [rated]: 0 });
    const { text } = await scrape(topic);
    for (const name of ["sokka_topic_limit_concurrency", "sokka_topic_running", "sokka_topic_held_back"]) {
      expect(text).toContain(`# TYPE ${name} gauge`);
      expect(text).toMatch(new RegExp(`# HELP ${name} \\S`));
    }
    // a scrape of an unlimited topic has no limit family at all
    expect((await scrape(free)).text).not.toMatch(/sokka_topic_(limit|running|held_back)/);
  });
});
