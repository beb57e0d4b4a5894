/**
 * GET /metrics (Prometheus text format, read back with a parser from npm)
 * and GET /activity: their numbers are the store's.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ, TestClock } from "../mod.ts";
import { readMetrics, renderMetrics } from "../src/http/metrics.ts";
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

/** The value of `name` in an exposition, for the series whose labels include `labels`. */
function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = (parsePrometheusTextFormat(text) as Family[]).find((f) => f.name === name);
  const m = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return m === undefined ? undefined : Number(m.value);
}

it("per-schedule gauges on the database clock: overdue grows while nothing fires, and is 0 again once it fires", async () => {
  const other = tempDbUrl();
  const clock = new TestClock();
  const q = createTaskQ({ url: other.url, clock });
  try {
    const routes = sokkaRoutes({ taskq: q });
    const scrape = async () => {
      const res = await routes.request("/metrics");
      expect(res.status).toBe(200);
      return res.text();
    };
    // a name with every character the format escapes that a name may hold
    const name = 'hourly "report"\\ of \\n';
    const labels = { schedule: name, topic: "reports" };
    clock.set("2030-01-01T00:30:00Z");
    const hour = (h: number) => Date.parse("2030-01-01T00:00:00Z") + h * 3_600_000;
    await q.schedule({ name, cron: "0 * * * *", topic: "reports" });
    const dbNow = async () => (await q.activity({ sinceMs: 1, topic: "reports" })).now;

    let text = await scrape();
    const families = parsePrometheusTextFormat(text) as Family[];
    expect(families.find((f) => f.name === "sokka_schedule_skipped_slots_total")!.type).toBe("COUNTER");
    for (const g of ["paused", "next_slot_timestamp_seconds", "overdue_seconds", "last_fire_lag_seconds"]) {
      expect(families.find((f) => f.name === `sokka_schedule_${g}`)!.type).toBe("GAUGE");
    }
    expect(sampleOf(text, "sokka_schedules")).toBe(1);
    expect(sampleOf(text, "sokka_schedule_next_slot_timestamp_seconds", labels)).toBe(hour(1) / 1000);
    expect(sampleOf(text, "sokka_schedule_overdue_seconds", labels)).toBe(0);
    expect(sampleOf(text, "sokka_schedule_paused", labels)).toBe(0);
    expect(sampleOf(text, "sokka_schedule_skipped_slots_total", labels)).toBe(0);
    // nothing fired yet: no last slot, no lag
    expect(sampleOf(text, "sokka_schedule_last_slot_timestamp_seconds", labels)).toBeUndefined();
    expect(sampleOf(text, "sokka_schedule_last_fire_lag_seconds", labels)).toBeUndefined();

    // nothing fires it (no worker, no drain): overdue is the database clock past the 01:00 slot, and grows
    const overdue = async () => {
      const before = await dbNow();
      const value = sampleOf(await scrape(), "sokka_schedule_overdue_seconds", labels)!;
      const after = await dbNow();
      expect(value * 1000).toBeGreaterThanOrEqual(before - hour(1));
      expect(value * 1000).toBeLessThanOrEqual(after - hour(1));
      return value;
    };
    clock.shift(3 * 3_600_000); // 03:30
    const first = await overdue();
    expect(first).toBeGreaterThanOrEqual(2.5 * 3600);
    clock.shift(3_600_000); // 04:30
    expect(await overdue()).toBeGreaterThan(first);

    // a firing catches up (the latest missed slot, 04:00): not overdue, its last slot and lag are the store's
    expect((await q.fireSchedules()).fired).toBe(1);
    const s = (await q.getSchedule(name))!;
    expect(s.lastSlotAt).toBe(hour(4));
    text = await scrape();
    expect(sampleOf(text, "sokka_schedule_overdue_seconds", labels)).toBe(0);
    expect(sampleOf(text, "sokka_schedule_next_slot_timestamp_seconds", labels)).toBe(hour(5) / 1000);
    expect(sampleOf(text, "sokka_schedule_last_slot_timestamp_seconds", labels)).toBe(hour(4) / 1000);
    expect(sampleOf(text, "sokka_schedule_last_fire_lag_seconds", labels)).toBe(
      (s.lastFiredAt! - s.lastSlotAt!) / 1000,
    );
    expect(sampleOf(text, "sokka_schedule_skipped_slots_total", labels)).toBe(s.skippedSlots);

    // paused: never overdue, however long nothing fires
    await q.pauseSchedule(name);
    clock.shift(5 * 3_600_000);
    text = await scrape();
    expect(sampleOf(text, "sokka_schedule_paused", labels)).toBe(1);
    expect(sampleOf(text, "sokka_schedule_overdue_seconds", labels)).toBe(0);
  } finally {
    await q.close();
    other.cleanup();
  }
});

it("/metrics lists schedules up to its cap and folds the rest into overflow series; a prefix scrape has its topics' only", async () => {
  const clock = new TestClock();
  const q = createTaskQ({ url: db.url, clock });
  try {
    clock.set("2030-01-01T00:30:00Z");
    for (const [name, topic] of [["a", "email"], ["b", "email"], ["c", "reports"], ["d", "reports"]]) {
      await q.schedule({ name, cron: "0 * * * *", topic, paused: name === "d" });
    }
    clock.shift(2 * 3_600_000); // 02:30: the active ones are 90 min overdue
    const dbNow = async () => (await q.activity({ sinceMs: 1, topic: "email" })).now;
    const before = await dbNow();
    const text = renderMetrics(await readMetrics(q, 500, undefined, 2));
    const after = await dbNow();
    expect(sampleOf(text, "sokka_schedules")).toBe(4);
    for (const name of ["a", "b"]) expect(sampleOf(text, "sokka_schedule_paused", { schedule: name })).toBe(0);
    expect(sampleOf(text, "sokka_schedule_paused", { schedule: "c" })).toBeUndefined();
    expect(sampleOf(text, "sokka_schedule_paused", { overflow: "true" })).toBe(1); // d
    expect(sampleOf(text, "sokka_schedule_skipped_slots_total", { overflow: "true" })).toBe(0);
    // the largest overdue among c and d (c: d is paused), on the clock read around it
    const folded = sampleOf(text, "sokka_schedule_overdue_seconds", { overflow: "true" })!;
    const slot = Date.parse("2030-01-01T01:00:00Z");
    expect(folded * 1000).toBeGreaterThanOrEqual(before - slot);
    expect(folded * 1000).toBeLessThanOrEqual(after - slot);
    expect(text).not.toMatch(/sokka_schedule_next_slot_timestamp_seconds\{overflow/);

    const reports = await (sokkaRoutes({ taskq: q })).request("/metrics?prefix=rep");
    const only = await reports.text();
    expect(sampleOf(only, "sokka_schedules")).toBe(2);
    expect(sampleOf(only, "sokka_schedule_paused", { schedule: "a" })).toBeUndefined();
    expect(sampleOf(only, "sokka_schedule_paused", { schedule: "d", topic: "reports" })).toBe(1);
  } finally {
    await q.close();
  }
});

it("blocked tasks (waiting for dependencies or a group) are counted per topic, and in the overflow sums", async () => {
  await taskq.createTasks([
    { topic: "etl", taskId: "extract" },
    { topic: "etl", taskId: "load", dependsOn: ["extract"] },
    { topic: "etl", taskId: "report", dependsOn: ["extract", "load"] },
    { topic: "resize", taskId: "img-1", taskGroupId: "album" },
  ]);
  await taskq.sealGroup("album", { topic: "zz-notify" }); // a follow-up, blocked on a topic of its own
  const text = await (await app.request("/metrics")).text();
  expect(text).toContain('sokka_tasks{topic="etl",status="blocked"} 2');
  expect(sampleOf(text, "sokka_tasks", { topic: "etl", status: "blocked" })).toBe(2);
  expect(sampleOf(text, "sokka_tasks", { topic: "etl", status: "starting" })).toBe(1);
  expect(sampleOf(text, "sokka_tasks", { topic: "zz-notify", status: "blocked" })).toBe(1);
  expect(sampleOf(text, "sokka_tasks", { topic: "resize", status: "blocked" })).toBe(0);
  // the topics past the cap are summed: their blocked tasks too
  const capped = renderMetrics(await readMetrics(taskq, 1));
  expect(sampleOf(capped, "sokka_tasks", { topic: "etl", status: "blocked" })).toBe(2);
  expect(sampleOf(capped, "sokka_tasks", { overflow: "true", status: "blocked" })).toBe(1);
  // once the dependency ends, its dependant starts: the gauge follows
  await taskq.terminate("extract", "w");
  const after = await (await app.request("/metrics")).text();
  expect(sampleOf(after, "sokka_tasks", { topic: "etl", status: "blocked" })).toBe(1);
  expect(sampleOf(after, "sokka_tasks", { topic: "etl", status: "starting" })).toBe(1);
});
