/**
 * The schedules pages in Chromium against a real server: the list and a
 * schedule's own page hold at 1280 px and at 390 px with awkward data (the
 * longest schedule name allowed, a 255-character topic, a long time zone,
 * five slots of tasks), nothing spilling sideways and the pause button and
 * numbers in view; the header links to them; a schedule is paused and
 * resumed from the list and from its own page. The database clock is moved
 * by a TestClock. Fails — never skips — when Chromium is missing.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ, TestClock } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { hidden, launchChromium, listen, spill } from "./browser.ts";
import { tempDbUrl } from "./helpers.ts";

/** The longest schedule name allowed, with no place to break it. */
const LONG = `long-schedule-${"x".repeat(186)}`;
/** The longest topic allowed. */
const TOPIC = `long-topic-${"y".repeat(244)}`;
const enc = encodeURIComponent;
const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let browser: Browser;
let base: string;
let closeServer: () => void;
const clock = new TestClock();

beforeAll(async () => {
  expect(LONG).toHaveLength(200);
  expect(TOPIC).toHaveLength(255);
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url, clock });
  clock.set("2030-01-01T00:00:30Z");
  await taskq.schedule({
    name: LONG,
    cron: "0,15,30,45 * * * * *",
    timezone: "America/Argentina/ComodRivadavia",
    topic: TOPIC,
  });
  await taskq.schedule({ name: "hourly", cron: "0 * * * *", topic: "reports" });
  await taskq.schedule({ name: "nightly", cron: "30 1 * * *", timezone: "Europe/London", topic: "reports" });
  // five slots of the long one fired, in every state the badges show
  for (let i = 0; i < 5; i++) {
    clock.shift(15_000);
    expect((await taskq.fireSchedules()).fired).toBeGreaterThan(0);
  }
  for (const [i, end] of [[0, "terminate"], [1, "fail"]] as const) {
    const t = (await taskq.reserveTask(TOPIC, "worker-1"))!;
    expect(t.slotAt).not.toBeNull();
    if (end === "terminate") await taskq.terminate(t.taskId, "worker-1");
    else await taskq.fail(t.taskId, "worker-1", `attempt ${i}`);
  }
  await taskq.reserveTask(TOPIC, "worker-1"); // one running
  ({ base, close: closeServer } = await listen(sokkaRoutes({ taskq }).fetch));
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  closeServer?.();
  await taskq?.close();
  db?.cleanup();
});

async function open(width: number, path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  const res = await page.goto(base + path);
  expect(res!.status(), path).toBe(200);
  return page;
}

const rowOf = (name: string) => `tbody[data-schedule="${name}"]`;

for (const width of [1280, 390]) {
  it(`at ${width} px the schedules pages widen nothing, and every schedule's button, numbers and slots are in view`, async () => {
    for (const path of ["/ui/schedules", `/ui/schedules/${enc(LONG)}`]) {
      const page = await open(width, path);
      expect(await spill(page), path).toBeLessThanOrEqual(0);
      const row = rowOf(LONG);
      expect(await page.locator(`${row} .slot`).count(), path).toBe(5);
      expect(await page.locator(`${row} .slot .badge`).allTextContents(), path).toEqual(
        expect.arrayContaining(["starting", "running", "failed", "terminated"]),
      );
      const inView = `${row} td.num, ${row} button, ${row} .slot, ${row} td.time time`;
      expect(await page.locator(inView).count(), path).toBe(10); // lag, skipped, the button, 5 slots, next and last
      expect(await hidden(page, inView), path).toEqual([]);
      // every form control fits in the viewport
      expect(await hidden(page, "input:not([type=hidden]), select, button"), path).toEqual([]);
      // the name is cut, not lost: the whole of it is the link's title
      expect(await page.locator(`${row} a[title="${LONG}"]`).count(), path).toBe(1);
      if (path === "/ui/schedules") {
        await page.screenshot({ path: `${ARTIFACTS}schedules-${width}.png`, fullPage: true });
      }
      await page.close();
    }
    // a slot task's page, which links to its schedule
    const slot = (await taskq.listTasks({ schedule: LONG }, { limit: 1 })).data[0];
    const task = await open(width, `/ui/tasks/${enc(slot.taskId)}`);
    expect(await spill(task)).toBeLessThanOrEqual(0);
    expect(await task.locator("[data-testid=schedule] a").getAttribute("href")).toBe(`/ui/schedules/${enc(LONG)}`);
    await task.close();
  });
}

it("the header links to the schedules; a slot opens its task, which links back to its schedule", async () => {
  const page = await open(1280, "/ui");
  await page.click("header a:has-text('Schedules')");
  await page.waitForURL(/\/ui\/schedules$/);
  expect(await page.locator("h1").textContent()).toBe("Schedules");
  await page.locator(`${rowOf(LONG)} a.slot`).first().click();
  await page.waitForURL(/\/ui\/tasks\//);
  await page.click("[data-testid=schedule] a");
  await page.waitForURL(/\/ui\/schedules\/long-schedule-/);
  expect(await page.locator("h1 code").textContent()).toBe(LONG);
  await page.close();
});

it("pauses and resumes a schedule from the list, back on the same page, and from its own page", async () => {
  const page = await open(1280, "/ui/schedules");
  await page.locator(rowOf("hourly")).locator("button:has-text('Pause')").click();
  await page.waitForURL(/\/ui\/schedules\?notice=schedule-paused$/);
  expect(await page.locator(".notice").textContent()).toContain("Schedule paused");
  expect((await taskq.getSchedule("hourly"))!.paused).toBe(true);
  expect(await page.locator(`${rowOf("hourly")} .badge.held`).textContent()).toBe("paused");
  await page.locator(rowOf("hourly")).locator("button:has-text('Resume')").click();
  await page.waitForURL(/\/ui\/schedules\?notice=schedule-resumed$/);
  expect((await taskq.getSchedule("hourly"))!.paused).toBe(false);

  await page.goto(`${base}/ui/schedules/nightly`);
  await page.click("button:has-text('Pause')");
  await page.waitForURL(/\/ui\/schedules\/nightly\?notice=schedule-paused$/);
  expect((await taskq.getSchedule("nightly"))!.paused).toBe(true);
  await page.click("button:has-text('Resume')");
  await page.waitForURL(/\/ui\/schedules\/nightly\?notice=schedule-resumed$/);
  expect((await taskq.getSchedule("nightly"))!.paused).toBe(false);
  await page.close();
});
