/**
 * GET /metrics (Prometheus text format, read back with a parser from npm)
 * and GET /activity: their numbers are the store's.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { STATUSES } from "../src/schemas.ts";
import { tempDbUrl } from "./helpers.ts";

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let app: ReturnType<typeof sokkaRoutes>;
beforeEach(() => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
  app = sokkaRoutes({ taskq });
});
afterEach(async () => {
  await taskq.close();
  db.cleanup();
});

interface Family {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

/**
 * Some history on two topics, one of them named with every character the
 * format escapes that a name may hold (`"` and `\`; a newline no longer can).
 */
async function history(): Promise<string[]> {
  const odd = 'odd "topic"\\ with \\n backslashes';
  await taskq.createTasks([
    ...Array.from({ length: 5 }, () => ({ topic: "email" })),
    { topic: odd, maxAttempts: 3 },
    { topic: "email", delayMs: 3_600_000 },
  ]);
  const [a, b, c] = await taskq.reserveTasks("email", "p1", 3);
  await taskq.terminate(a.taskId, "p1");
  await taskq.terminate(b.taskId, "p1");
  await taskq.snooze(c.taskId, "p1", 60_000);
  const [o] = await taskq.reserveTasks(odd, "p1", 1);
  await taskq.fail(o.taskId, "p1", "once"); // retried
  await taskq.pauseTopic("idle");
  return ["email", odd, "idle"];
}

it("GET /metrics parses as Prometheus text and every number is the store's", async () => {
  const topics = await history();
  const res = await app.request("/metrics");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const families = parsePrometheusTextFormat(await res.text()) as Family[];
  const family = (name: string) => families.find((f) => f.name === name)!;
  const sample = (name: string, labels: Record<string, string>) =>
    family(name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;

  const stats = await taskq.topicStats();
  expect(stats.map((s) => s.topic).sort()).toEqual([...topics].sort());
  expect(family("sokka_tasks").type).toBe("GAUGE");
  for (const s of stats) {
    for (const st of STATUSES) expect(Number(sample("sokka_tasks", { topic: s.topic, status: st }))).toBe(s.counts[st]);
    expect(Number(sample("sokka_topic_paused", { topic: s.topic }))).toBe(s.paused ? 1 : 0);
    for (const k of ["completed", "failed", "retried", "snoozed", "cancelled"] as const) {
      expect(family(`sokka_tasks_${k}_total`).type).toBe("COUNTER");
      expect(Number(sample(`sokka_tasks_${k}_total`, { topic: s.topic }))).toBe(s.totals[k]);
    }
  }
  const email = stats.find((s) => s.topic === "email")!;
  expect(email.totals).toMatchObject({ completed: 2, snoozed: 1 });
  expect(stats.find((s) => s.topic === topics[1])!.totals.retried).toBe(1);
  // email has two tasks ready since their creation: the age is seconds on the database clock, read
  // before the store's own look here (so no later than it), and the idle topic has none
  expect(email.oldestReadyAgeMs).not.toBeNull();
  const age = Number(sample("sokka_oldest_ready_task_age_seconds", { topic: "email" }));
  expect(age).toBeGreaterThan(0);
  expect(age).toBeLessThanOrEqual(email.oldestReadyAgeMs! / 1000);
  expect(Number(sample("sokka_oldest_ready_task_age_seconds", { topic: "idle" }))).toBe(0);
});

it("GET /activity answers the store's minutes; a bad query is a 400 that names the field", async () => {
  await history();
  const res = await app.request("/activity?sinceMs=600000&topic=email");
  expect(res.status).toBe(200);
  const body = await res.json() as Awaited<ReturnType<TaskQ["activity"]>>;
  const direct = await taskq.activity({ sinceMs: 600_000, topic: "email" });
  expect(body.minutes).toEqual(direct.minutes);
  expect(body.minutes.reduce((n, m) => n + m.completed, 0)).toBe(2);
  const bad = await app.request("/activity?sinceMs=-5");
  expect(bad.status).toBe(400);
  expect((await bad.json()).error.issues[0].path).toBe("sinceMs");
});
