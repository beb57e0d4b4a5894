/**
 * Routes that read every topic stay bounded: GET /topics a page at a time,
 * GET /metrics past its cap of listed topics (the rest summed as overflow),
 * GET answers compressed for clients that accept it, and at 10,000 topics
 * the overview, a refresh of it, /topics and /metrics under their byte
 * bounds with every topic reachable. No timing is asserted (see
 * bench/overview.mjs).
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, type TaskQ, type TopicPage } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { STATUSES } from "../src/schemas.ts";
import { tempDbUrl } from "./helpers.ts";

interface Family {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

/** The answer's body as sent (not decoded) and the same decompressed, through the runtime's own streams. */
async function sent(res: Response): Promise<{ bytes: number; text: string }> {
  const raw = new Uint8Array(await res.arrayBuffer());
  const encoding = res.headers.get("content-encoding");
  if (!encoding) return { bytes: raw.length, text: new TextDecoder().decode(raw) };
  const plain = new Response(new Blob([raw]).stream().pipeThrough(new DecompressionStream(encoding as "gzip")));
  return { bytes: raw.length, text: await plain.text() };
}

describe("a few topics", () => {
  let db: ReturnType<typeof tempDbUrl>;
  let taskq: TaskQ;
  beforeEach(() => {
    db = tempDbUrl();
    taskq = createTaskQ({ url: db.url });
  });
  afterEach(async () => {
    await taskq.close();
    db.cleanup();
  });

  it("GET /topics: pages in name order with cursors, a prefix, the last page; a bad query is a 400 naming the field", async () => {
    const app = sokkaRoutes({ taskq });
    const names = ["e", "b", "d", "a", "c", "ab"];
    await taskq.createTasks(names.map((topic) => ({ topic })));
    const walk: string[] = [];
    let page = (await json(await app.request("/topics?limit=2"))).body as TopicPage;
    for (;;) {
      expect(page.data.length).toBeLessThanOrEqual(2);
      walk.push(...page.data.map((s) => s.topic));
      if (!page.cursor) break;
      page = (await json(await app.request(`/topics?limit=2&cursor=${page.cursor}`))).body;
    }
    expect(walk).toEqual(["a", "ab", "b", "c", "d", "e"]);
    const last = (await json(await app.request("/topics?limit=4&last=true"))).body as TopicPage;
    expect(last.data.map((s) => s.topic)).toEqual(["b", "c", "d", "e"]);
    expect(last.cursor).toBeNull();
    const back = (await json(await app.request(`/topics?limit=4&cursor=${last.prevCursor}`))).body as TopicPage;
    expect(back.data.map((s) => s.topic)).toEqual(["a", "ab", "b", "c"]);
    const some = (await json(await app.request("/topics?prefix=a"))).body as TopicPage;
    expect(some.data.map((s) => s.topic)).toEqual(["a", "ab"]);
    const direct = (await taskq.topicStats()).find((s) => s.topic === "a")!;
    expect({ ...some.data[0], oldestReadyAgeMs: 0 }).toEqual({ ...direct, oldestReadyAgeMs: 0 }); // ages move on
    for (
      const [q, path] of [
        ["limit=0", "limit"],
        ["limit=1001", "limit"],
        ["cursor=zzz", "cursor"],
        [
          "last=yes",
          "last",
        ],
        ["prefix=", "prefix"],
        ["lmit=5", "lmit"],
        [`last=true&cursor=${last.prevCursor}`, "last"],
      ]
    ) {
      const res = await json(await app.request(`/topics?${q}`));
      expect(res.status, q).toBe(400);
      expect(res.body.error.issues.map((i: { path: string }) => i.path), q).toContain(path);
    }
  });

  it('GET /metrics lists the first metricsTopics topics by name and sums the others under overflow="true"', async () => {
    const app = sokkaRoutes({ taskq, metricsTopics: 3 });
    const names = ["f", "a", "e", "b", "d", "c"];
    await taskq.createTasks(names.flatMap((topic) => [{ topic }, { topic }, { topic, maxAttempts: 2 }]));
    for (const topic of ["a", "d", "e"]) {
      const [x, y, z] = await taskq.reserveTasks(topic, "p", 3);
      await taskq.terminate(x.taskId, "p");
      await taskq.fail(y.taskId, "p", "no");
      await taskq.fail(z.taskId, "p", "again"); // retried
    }
    await taskq.pauseTopic("e");
    await taskq.pauseTopic("b");
    const scrape = async (q = "") => {
      const res = await app.request(`/metrics${q}`);
      expect(res.status).toBe(200);
      return parsePrometheusTextFormat(await res.text()) as Family[];
    };
    const families = await scrape();
    const stats = await taskq.topicStats();
    const of = (topic: string) => stats.find((s) => s.topic === topic)!;
    // (the schedules' families are capped by schedule, not by topic: http.metrics.test.ts)
    for (const f of families.filter((f) => !f.name.startsWith("sokka_schedule"))) {
      const listed = [...new Set(f.metrics.map((m) => m.labels?.topic).filter(Boolean))];
      expect(listed, f.name).toEqual(["a", "b", "c"]);
      // the topic label and the overflow label never meet
      expect(f.metrics.every((m) => (m.labels?.topic === undefined) === (m.labels?.overflow === "true"))).toBe(true);
    }
    const value = (name: string, labels: Record<string, string>) =>
      Number(
        families.find((f) => f.name === name)!.metrics.find((m) =>
          Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
        )?.value,
      );
    const rest = ["d", "e", "f"].map(of);
    for (const st of STATUSES) {
      expect(value("sokka_tasks", { overflow: "true", status: st }), st).toBe(
        rest.reduce((n, s) => n + s.counts[st], 0),
      );
      expect(value("sokka_tasks", { topic: "a", status: st })).toBe(of("a").counts[st]);
    }
    expect(value("sokka_topic_paused", { overflow: "true" })).toBe(1); // e (b is listed)
    expect(value("sokka_topic_paused", { topic: "b" })).toBe(1);
    for (const k of ["completed", "failed", "retried", "snoozed", "cancelled"] as const) {
      expect(value(`sokka_tasks_${k}_total`, { overflow: "true" }), k).toBe(rest.reduce((n, s) => n + s.totals[k], 0));
    }
    expect(value("sokka_tasks_completed_total", { overflow: "true" })).toBe(2);
    // the age is per listed topic only
    const ages = families.find((f) => f.name === "sokka_oldest_ready_task_age_seconds")!.metrics;
    expect(ages.map((m) => m.labels?.topic)).toEqual(["a", "b", "c"]);
    // a prefix (a scrape config's params): only those topics, and no overflow when they fit
    const some = await scrape("?prefix=d");
    const topicFamilies = some.filter((f) => !f.name.startsWith("sokka_schedule"));
    expect(topicFamilies.flatMap((f) => f.metrics.map((m) => m.labels?.topic ?? "overflow"))).toEqual(
      Array(STATUSES.length + 1 + 1 + 5).fill("d"),
    );
    const bad = await json(await app.request("/metrics?prefx=d"));
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("prefx");
  });

  it("GET answers are compressed for a client that accepts gzip or deflate; writes and compress: false are not", async () => {
    await taskq.createTasks([{ topic: "email", data: { text: "x".repeat(3000) } }]);
    const app = sokkaRoutes({ taskq });
    for (const encoding of ["gzip", "deflate"]) {
      const plain = await app.request("/openapi.json");
      expect(plain.headers.get("content-encoding")).toBeNull();
      const text = await plain.text();
      const packed = await app.request("/openapi.json", { headers: { "accept-encoding": encoding } });
      expect(packed.headers.get("content-encoding"), encoding).toBe(encoding);
      expect(packed.headers.get("vary")).toMatch(/accept-encoding/i);
      const got = await sent(packed);
      expect(got.text).toBe(text);
      expect(got.bytes).toBeLessThan(text.length / 3);
    }
    for (const path of ["/ui", "/metrics", "/topics", "/tasks?topic=email", "/docs"]) {
      const res = await app.request(path, { headers: { "accept-encoding": "gzip, deflate, br" } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-encoding"), path).toBe("gzip");
      expect((await sent(res)).text.length, path).toBeGreaterThan(0);
    }
    // a write's answer (here over 3 KB) is never compressed: a pull consumer's hot path
    const created = await app.request("/tasks", {
      method: "POST",
      headers: { "content-type": "application/json", "accept-encoding": "gzip" },
      body: JSON.stringify({ topic: "email", data: { text: "y".repeat(3000) } }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("content-encoding")).toBeNull();
    expect((await created.json()).topic).toBe("email");
    const off = sokkaRoutes({ taskq, compress: false });
    const res = await off.request("/openapi.json", { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(JSON.parse(await res.text()).openapi).toMatch(/^3\.1/);
    expect(() => sokkaRoutes({ taskq, compress: "yes" as never })).toThrow(/compress/);
    expect(() => sokkaRoutes({ taskq, metricsTopics: 0 })).toThrow(/metricsTopics/);
  });
});

describe("at 10,000 topics", () => {
  const N = 10_000;
  const name = (i: number) => `topic-${String(i).padStart(5, "0")}`;
  let db: ReturnType<typeof tempDbUrl>;
  let taskq: TaskQ;
  let app: ReturnType<typeof sokkaRoutes>;

  beforeAll(async () => {
    db = tempDbUrl();
    taskq = createTaskQ({ url: db.url });
    for (let i = 0; i < N; i += 1000) {
      await taskq.createTasks(Array.from({ length: 1000 }, (_, k) => ({ topic: name(i + k) })));
    }
    // the worst case of the sparklines: every topic of the first page busy in every minute of the last hour
    // (written past the store, as the activity triggers would have counted it)
    await (taskq as unknown as { client: { execute(s: { sql: string; args: unknown[] }): Promise<unknown> } }).client
      .execute({
        sql: `WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x < 2999)
          INSERT INTO sokka_activity (topic, minute, completed, failed)
          SELECT printf('topic-%05d', x / 60), CAST(unixepoch('subsec') * 1000 AS INTEGER) / 60000 - x % 60,
            1 + (x * 7919) % 97, (x * 104729) % 13 FROM k`,
        args: [],
      });
    app = sokkaRoutes({ taskq });
  }, 120_000);
  afterAll(async () => {
    await taskq?.close();
    db?.cleanup();
  });

  it("the overview and its refresh are a page of 50 topics under 500 KB, compressed on request; every page is reachable", async () => {
    const first = await app.request("/ui");
    const html = await first.text();
    expect(new TextEncoder().encode(html).length).toBeLessThanOrEqual(500 * 1024);
    expect(html.match(/<svg class="spark"/g)).toHaveLength(50);
    expect(html).toContain(`>${name(49)}</a>`);
    expect(html).not.toContain(`>${name(50)}</a>`);
    const fragment = await app.request("/ui", { headers: { "x-sokka-fragment": "1", "accept-encoding": "gzip" } });
    expect(fragment.headers.get("content-encoding")).toBe("gzip");
    const got = await sent(fragment);
    expect(got.text.length).toBeLessThanOrEqual(500 * 1024);
    expect(got.bytes).toBeLessThan(got.text.length / 4);
    expect(got.text).not.toContain("<html");
    // the last page, and a search
    const last = await (await app.request("/ui?last=1")).text();
    expect(last).toContain(`>${name(N - 1)}</a>`);
    expect(last).toContain(`>${name(N - 50)}</a>`);
    expect(last).toContain("End of list.");
    const found = await (await app.request(`/ui?prefix=${name(7777)}`)).text();
    expect(found.match(/href="\/ui\/topics\/[^"/]+"/g)).toHaveLength(1);
    expect(found).toContain(`>${name(7777)}</a>`);
  });

  it("GET /topics reaches every topic a bounded page at a time", async () => {
    const first = await app.request("/topics");
    const body = await first.text();
    expect(body.length).toBeLessThanOrEqual(100 * 1024);
    expect((JSON.parse(body) as TopicPage).data).toHaveLength(100);
    const seen: string[] = [];
    let page = (await json(await app.request("/topics?limit=1000"))).body as TopicPage;
    for (;;) {
      seen.push(...page.data.map((s) => s.topic));
      if (!page.cursor) break;
      page = (await json(await app.request(`/topics?limit=1000&cursor=${page.cursor}`))).body;
    }
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => name(i)));
  });

  it("GET /metrics lists 500 topics, sums the other 9,500 under overflow, and stays under 400 KB", async () => {
    const text = await (await app.request("/metrics")).text();
    expect(text.length).toBeLessThanOrEqual(400 * 1024);
    const families = parsePrometheusTextFormat(text) as Family[];
    const tasks = families.find((f) => f.name === "sokka_tasks")!.metrics;
    expect(new Set(tasks.map((m) => m.labels?.topic).filter(Boolean)).size).toBe(500);
    const overflow = tasks.find((m) => m.labels?.overflow === "true" && m.labels.status === "starting");
    expect(Number(overflow?.value)).toBe(N - 500);
    const completed = families.find((f) => f.name === "sokka_tasks_completed_total")!.metrics;
    const sum = completed.reduce((n, m) => n + Number(m.value), 0);
    expect(sum).toBe((await taskq.topicTotals()).totals.completed);
  });
});
