/**
 * The dashboard's schedules pages, as HTML answered by the routes (the
 * browser test drives them in Chromium): the list with each schedule's
 * cron, zone, topic, state, next and last slot, lag, skipped slots and its
 * latest slots' tasks; pause / resume behind a same-origin form post; a
 * schedule's own page; a slot task's page linking to its schedule; the task
 * list by schedule. The database clock is moved by a TestClock.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ, TestClock } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { SCHEDULES_PER_PAGE } from "../src/http/ui/pages/schedules.ts";
import { tempDbUrl } from "./helpers.ts";

const HOUR = 3_600_000;
const at = (h: number, m = 0) => Date.parse("2030-01-01T00:00:00Z") + h * HOUR + m * 60_000;
const id = (h: number) => `hourly@2030-01-01T0${h}:00:00Z`;
const enc = encodeURIComponent;

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let app: ReturnType<typeof sokkaRoutes>;
const clock = new TestClock();

beforeAll(async () => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url, clock });
  app = sokkaRoutes({ taskq });
  clock.set(at(0, 30));
  await taskq.schedule({
    name: "hourly",
    cron: "0 * * * *",
    timezone: "Europe/London",
    topic: "reports",
    overlap: "skip",
    data: { kind: "<b>summary</b>" },
  });
  clock.set(at(1, 0.5));
  await taskq.fireSchedules(); // 01:00 makes a task
  clock.set(at(2, 0.5));
  await taskq.fireSchedules(); // 02:00 is skipped: the 01:00 task has not finished
  const t = (await taskq.reserveTask("reports", "w1"))!;
  await taskq.terminate(t.taskId, "w1");
  clock.set(at(3, 0.5));
  await taskq.fireSchedules(); // 03:00 makes one
  // a schedule nothing has fired yet, and one past its slot with nothing firing it, on a long-named topic
  await taskq.schedule({ name: "daily <i>", cron: "0 6 * * *", topic: "com.example.billing.invoices.monthly" });
  await taskq.schedule({ name: "every-minute", cron: "* * * * *", topic: "reports" });
  clock.shift(5 * 60_000);
});

afterAll(async () => {
  await taskq?.close();
  db?.cleanup();
});

async function get(path: string, status = 200): Promise<string> {
  const res = await app.request(path);
  expect(res.status, path).toBe(status);
  return res.text();
}

/** The part of the list page of schedule `name` (its tbody). */
function part(page: string, name: string): string {
  const start = page.indexOf(`<tbody data-schedule="${name}"`);
  expect(start, name).toBeGreaterThan(-1);
  return page.slice(start, page.indexOf("</tbody>", start));
}

it("lists every schedule with its cron, zone, topic, state, next and last slot, lag, skipped slots and latest slots", async () => {
  const page = await get("/ui/schedules");
  expect(page).toContain('<a href="/ui/schedules">Schedules</a>'); // in the navigation
  expect(page).toContain('data-testid="total">3 schedules');
  // natural order of names
  expect([...page.matchAll(/<tbody data-schedule="([^"]+)"/g)].map((m) => m[1])).toEqual([
    "daily &lt;i&gt;",
    "every-minute",
    "hourly",
  ]);
  const s = (await taskq.getSchedule("hourly"))!;
  const row = part(page, "hourly");
  expect(row).toContain("<code>0 * * * *</code>");
  expect(row).toContain("Europe/London");
  expect(row).toContain('href="/ui/topics/reports"');
  expect(row).toContain('data-paused="false"');
  expect(row).toContain(`<time datetime="${new Date(at(4)).toISOString()}">`); // next slot
  expect(row).toContain(`data-label="last slot"><time datetime="${new Date(at(3)).toISOString()}">`);
  expect(row).toContain(`data-lag-ms="${s.lastFiredAt! - s.lastSlotAt!}"`);
  expect(row).toMatch(/data-label="skipped">1</);
  expect(row).toContain("last 3 slots:");
  // newest first: 03:00 waiting, 02:00 skipped (no task), 01:00 done; each task a link to its page
  const slots = [...row.matchAll(/data-slot="(\d+)"/g)].map((m) => Number(m[1]));
  expect(slots).toEqual([at(3), at(2), at(1)]);
  expect(row).toMatch(new RegExp(`href="/ui/tasks/${enc(id(3))}"[^>]*>.*badge starting`, "s"));
  expect(row).toMatch(new RegExp(`href="/ui/tasks/${enc(id(1))}"[^>]*>.*badge terminated`, "s"));
  expect(row).toMatch(new RegExp(`data-slot="${at(2)}"[^>]*>.*no task`, "s"));
  expect(row).toContain('<button class="secondary" formaction="/ui/schedules/pause" name="name"');
  // nothing fired the every-minute one since it was made: its next slot was due minutes ago (database clock)
  const late = part(page, "every-minute");
  const overdue = Number(late.match(/data-overdue-ms="(\d+)"/)![1]);
  expect(overdue).toBeGreaterThanOrEqual(4 * 60_000);
  expect(late).toContain("no slot yet");
  // names are escaped
  expect(page).not.toContain("daily <i>");
});

it("pauses and resumes a schedule behind a same-origin form post, coming back to the page with a notice", async () => {
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    app.request(path, { method: "POST", body: new URLSearchParams(fields), headers, redirect: "manual" });
  const refused = await post("/ui/schedules/pause", { name: "hourly" }, {
    origin: "https://evil.example",
    "sec-fetch-site": "cross-site",
  });
  expect(refused.status).toBe(403);
  expect((await taskq.getSchedule("hourly"))!.paused).toBe(false);

  const paused = await post("/ui/schedules/pause", { name: "hourly", page: "1" });
  expect(paused.status).toBe(303);
  expect(paused.headers.get("location")).toBe("/ui/schedules?page=1&notice=schedule-paused");
  expect((await taskq.getSchedule("hourly"))!.paused).toBe(true);
  const page = await get("/ui/schedules?notice=schedule-paused");
  expect(page).toContain("Schedule paused");
  expect(part(page, "hourly")).toContain('data-paused="true"');
  expect(part(page, "hourly")).toContain('formaction="/ui/schedules/resume"');

  const resumed = await post("/ui/schedules/resume", { name: "hourly", from: "schedule" });
  expect(resumed.headers.get("location")).toBe("/ui/schedules/hourly?notice=schedule-resumed");
  expect((await taskq.getSchedule("hourly"))!.paused).toBe(false);

  expect((await post("/ui/schedules/pause", {})).status).toBe(400); // no name
  expect((await post("/ui/schedules/pause", { name: "nope" })).status).toBe(404);
  expect((await post("/ui/schedules/explode", { name: "hourly" })).status).toBe(405);
});

it("a schedule's own page, a slot task's page linking to it, and the task list of a schedule", async () => {
  const page = await get("/ui/schedules/hourly");
  expect(page).toContain("<h1>Schedule <code>hourly</code></h1>");
  expect(page).toContain("&lt;b&gt;summary&lt;/b&gt;");
  expect(page).toContain(`href="/ui/tasks/${enc(id(3))}"`);
  expect(page).toContain('href="/ui/tasks?schedule=hourly"');
  expect(page).toContain('<input type="hidden" name="from" value="schedule">');
  await get("/ui/schedules/nope", 404);

  const task = await get(`/ui/tasks/${enc(id(1))}`);
  expect(task).toMatch(/data-testid="schedule"><a href="\/ui\/schedules\/hourly">hourly<\/a>/);
  expect(task).toContain(`data-testid="slot"><time datetime="${new Date(at(1)).toISOString()}">`);
  const plain = await taskq.createTask({ topic: "reports", taskId: "not-scheduled" });
  expect(await get(`/ui/tasks/${plain.taskId}`)).not.toContain('data-testid="schedule"');

  const list = await get("/ui/tasks?schedule=hourly");
  expect(list).toContain('data-testid="total">2 tasks match');
  expect(list).toContain('name="schedule" value="hourly"');
});

it("pages through many schedules; a bad page number is a 400", async () => {
  for (let i = 0; i < SCHEDULES_PER_PAGE; i++) {
    await taskq.schedule({ name: `bulk-${i}`, cron: "0 0 1 1 *", topic: "bulk" });
  }
  const first = await get("/ui/schedules");
  expect(first.match(/<tbody data-schedule=/g)).toHaveLength(SCHEDULES_PER_PAGE);
  expect(first).toContain('href="/ui/schedules?page=2" rel="next"');
  const second = await get("/ui/schedules?page=2");
  expect(second.match(/<tbody data-schedule=/g)).toHaveLength(3);
  expect(second).toContain('<input type="hidden" name="page" value="2">');
  expect(second).toContain("End of list.");
  expect(await get("/ui/schedules?page=9")).toContain("No schedules on this page.");
  expect(await get("/ui/schedules?page=zero", 400)).toContain("page must be a whole number from 1");
  // the in-place refresh reads the table alone
  const res = await app.request("/ui/schedules?page=2", { headers: { "x-sokka-fragment": "1" } });
  const fragment = await res.text();
  expect(fragment).not.toContain("<html");
  expect(fragment).toContain('<table class="schedules">');
});
