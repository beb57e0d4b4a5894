/**
 * Topic limits on the dashboard, through Hono's app.request() on a real
 * store: the overview's row marks running against the cap and the tasks
 * held back; the topic's page shows its limits and has the form that sets
 * them (back to the page with a notice) or removes them; a refused form is
 * the page again (400) with what was typed and the error beside its field,
 * and changes nothing.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";

let taskq: TaskQ;
let app: ReturnType<typeof sokkaRoutes>;
beforeEach(() => {
  taskq = createTaskQ({ url: ":memory:" });
  app = sokkaRoutes({ taskq });
});
afterEach(() => taskq.close());

const page = async (path: string) => {
  const res = await app.request(path);
  return { status: res.status, text: await res.text() };
};
const post = (path: string, fields: Record<string, string>) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

it("the overview marks running against the cap and the tasks held back; an unlimited topic has no mark", async () => {
  await taskq.setTopicLimits("api", { concurrency: 2 });
  await taskq.createTasks([{ topic: "api" }, { topic: "api" }, { topic: "api" }, { topic: "free" }]);
  await taskq.reserveTasks("api", "w", 5);
  const { text } = await page("/ui");
  const row = (topic: string) => text.match(new RegExp(`<tr\\s+data-topic="${topic}">[\\s\\S]*?</tr>`))![0];
  expect(row("api")).toMatch(/<span class="badge limits"[^>]*title="at most 2 running"[^>]*>2 \/ 2<\/span>/);
  expect(row("api")).toMatch(/data-held-back="1"[^>]*>held back 1<\/span>/);
  expect(row("free")).not.toMatch(/badge limits|held-back/);
  // a rate alone: "limited", the rate in its title
  await taskq.setTopicLimits("free", { rate: { limit: 50, periodMs: 1000, burst: 5 } });
  expect((await page("/ui")).text).toMatch(/title="50 per 1\.0 s \+ 5 burst">limited<\/span>/);
});

it("the topic's page shows its limits; its form sets them (303, a notice), removes them, and a refused one is a 400 that keeps what was typed", async () => {
  await taskq.createTasks([{ topic: "api", partitionKey: "k1" }, { topic: "api", partitionKey: "k1" }]);
  let shown = await page("/ui/topics/api");
  expect(shown.status).toBe(200);
  expect(shown.text).toContain("No limits: its tasks are reserved as fast as workers ask.");
  expect(shown.text).not.toContain("Remove limits");

  const set = await post("/ui/topics/limits", {
    topic: "api",
    from: "topic",
    concurrency: "1",
    rateLimit: "10",
    ratePeriodMs: "60000",
    rateBurst: "",
    partitioned: "on",
  });
  expect(set.status).toBe(303);
  expect(set.headers.get("location")).toBe("/ui/topics/api?notice=limits-set");
  expect(await taskq.topicLimits("api")).toEqual({
    concurrency: 1,
    rate: { limit: 10, periodMs: 60_000, burst: 0 },
    partitioned: true,
  });
  await taskq.reserveTask("api", "w");
  shown = await page("/ui/topics/api?notice=limits-set");
  expect(shown.text).toContain("Limits set: every process obeys them");
  expect(shown.text).toMatch(/data-testid="limits">at most 1 running per key · 10 per 1 min per key · partitioned/);
  expect(shown.text).toMatch(/data-testid="running">1 \/ 1 per key running/);
  expect(shown.text).toMatch(/data-testid="held-back">1 ready/);
  // the form shows what is stored
  expect(shown.text).toMatch(/name="concurrency"[^>]*value="1"/);
  expect(shown.text).toMatch(/name="ratePeriodMs"[^>]*value="60000"/);
  expect(shown.text).toMatch(/name="partitioned" checked/);

  // refused: by the form (not a number) and by the store (out of range, a rate without its period); nothing changed
  const before = await taskq.topicLimits("api");
  for (
    const [fields, field, message] of [
      [{ concurrency: "many" }, "concurrency", "must be a whole number"],
      [{ concurrency: "0" }, "concurrency", "at least 1"],
      [{ rateLimit: "5" }, "ratePeriodMs", ""],
      [{ partitioned: "on" }, "concurrency", "give concurrency or rate"],
    ] as const
  ) {
    const res = await post("/ui/topics/limits", { topic: "api", from: "topic", ...fields });
    const text = await res.text();
    const what = JSON.stringify(fields);
    expect(res.status, what).toBe(400);
    expect(text, what).toMatch(
      new RegExp(`<span class="field-error" id="${field}-error" role="alert">${field} [^<]*${message}`),
    );
    expect(text, what).toMatch(new RegExp(`name="${field}"[^>]*class="invalid" aria-invalid="true"`));
    for (const [k, v] of Object.entries(fields)) {
      if (k !== "partitioned") expect(text).toMatch(new RegExp(`name="${k}"[^>]*value="${v}"`));
    }
    // its refresh reads the topic's own page, not the form's path
    expect(text, what).toContain('data-refresh="/ui/topics/api"');
    expect(await taskq.topicLimits("api"), what).toEqual(before);
  }
  const nameless = await post("/ui/topics/limits", { concurrency: "1" });
  expect(nameless.status).toBe(400);
  expect(await nameless.text()).toContain("the form names no topic");

  const removed = await post("/ui/topics/remove-limits", { topic: "api", from: "topic" });
  expect(removed.status).toBe(303);
  expect(removed.headers.get("location")).toBe("/ui/topics/api?notice=limits-removed");
  expect(await taskq.topicLimits("api")).toBeNull();
  expect((await page("/ui/topics/api?notice=limits-removed")).text).toContain("Limits removed");
});

it("a limited topic without tasks has its page (its form reachable); a topic with neither is still a 404", async () => {
  await taskq.setTopicLimits("empty", { concurrency: 3 });
  const shown = await page("/ui/topics/empty");
  expect(shown.status).toBe(200);
  expect(shown.text).toMatch(/data-testid="running">0 \/ 3 running/);
  expect((await page("/ui/topics/nothing")).status).toBe(404);
});
