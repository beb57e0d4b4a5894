/**
 * A flow on the dashboard in Chromium against a real server: a blocked
 * task's page says why it is not running, and its dependency links lead to
 * each dependency's page, which lists it among what waits for it; a group's
 * page shows its follow-up. Ids, keys and group names of the longest length
 * allowed (and one a payload) widen no page at 1280 and 390 px. Fails —
 * never skips — when Chromium is missing.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { hidden, launchChromium, listen, spill } from "./browser.ts";
import { tempDbUrl } from "./helpers.ts";

/** Names of the longest length allowed, with no place to break them. */
const LONG_ID = `dep-${"x".repeat(251)}`;
const LONG_KEY = `key-${"k".repeat(251)}`;
const LONG_GROUP = `group-${"g".repeat(249)}`;
const XSS = `<img src=x onerror=alert(1)>`;
const enc = encodeURIComponent;
const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let browser: Browser;
let base: string;
let closeServer: () => void;
const dialogs: string[] = [];

beforeAll(async () => {
  for (const name of [LONG_ID, LONG_KEY, LONG_GROUP]) expect(name).toHaveLength(255);
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
  await taskq.createTasks([
    { topic: "etl", taskId: "extract", taskDescription: "extract the day's rows" },
    { topic: "etl", taskId: LONG_ID },
    { topic: "etl", taskId: `xss ${XSS}` },
    {
      topic: "etl",
      taskId: "report",
      uniqueKey: LONG_KEY,
      dependsOn: ["extract", LONG_ID, `xss ${XSS}`],
      taskDescription: "the daily report",
    },
  ]);
  await taskq.terminate("extract", "worker-1");
  await taskq.createTasks(["a", "b"].map((x) => ({ topic: "resize", taskId: `img-${x}`, taskGroupId: LONG_GROUP })));
  await taskq.sealGroup(LONG_GROUP, { topic: "notify", taskId: "notify-album" });
  ({ base, close: closeServer } = await listen(sokkaRoutes({ taskq }).fetch));
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  closeServer?.();
  await taskq?.close();
  db?.cleanup();
});

async function open(width: number, path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const res = await page.goto(base + path);
  expect(res!.status(), path).toBe(200);
  return page;
}

for (const width of [1280, 390]) {
  it(`at ${width} px a blocked task's page says why, and its dependency link leads to the dependency's page`, async () => {
    const page = await open(width, "/ui/tasks/report");
    expect(await page.locator("h1 .badge").textContent()).toBe("blocked");
    expect(await page.locator("[data-testid=why-blocked]").textContent()).toBe(
      "Not running: waiting for 2 of 3 dependencies.",
    );
    const deps = page.locator("[data-testid=waits-for] li");
    expect(await deps.evaluateAll((lis) => lis.map((li) => li.getAttribute("data-status")))).toEqual([
      "terminated",
      "starting",
      "starting",
    ]);
    // the payload id is text: no element made of it, no dialog
    expect(await deps.nth(2).locator("a").textContent()).toBe(`xss ${XSS}`);
    expect(await page.locator("[data-testid=waits-for] img").count()).toBe(0);
    // the long key and id are cut or wrapped, never widening the page
    expect(await page.locator("[data-testid=unique-key] code").textContent()).toBe(LONG_KEY);
    expect(await spill(page)).toBeLessThanOrEqual(0);
    expect(await hidden(page, "[data-testid=waits-for] .badge")).toEqual([]);
    if (width === 390) await page.screenshot({ path: `${ARTIFACTS}blocked-task-${width}.png`, fullPage: true });

    // follow the link to the long-named dependency: its page lists the blocked task among what waits for it
    await deps.nth(1).locator("a").click();
    await page.waitForURL(new RegExp(`/ui/tasks/${LONG_ID}$`));
    expect(await page.locator("h1").textContent()).toContain(LONG_ID);
    const waiting = page.locator("[data-testid=waited-on-by] td.id a");
    expect(await waiting.allTextContents()).toEqual(["report"]);
    expect(await page.locator("[data-testid=waited-on-by] .badge").textContent()).toBe("blocked");
    expect(await spill(page)).toBeLessThanOrEqual(0);
    // and back to it by that link
    await waiting.click();
    await page.waitForURL(/\/ui\/tasks\/report$/);
    expect(await page.locator("[data-testid=why-blocked]").count()).toBe(1);
    await page.close();
  });

  it(`at ${width} px a group's page shows its follow-up, and the follow-up's page links back to the group`, async () => {
    const page = await open(width, `/ui/groups/${enc(LONG_GROUP)}`);
    const card = page.locator("[data-testid=follow-up]");
    expect(await card.locator(".badge").textContent()).toBe("blocked");
    expect(await spill(page)).toBeLessThanOrEqual(0);
    expect(await hidden(page, "[data-testid=follow-up] .badge")).toEqual([]);
    if (width === 390) await page.screenshot({ path: `${ARTIFACTS}group-follow-up-${width}.png`, fullPage: true });
    await card.locator("a").click();
    await page.waitForURL(/\/ui\/tasks\/notify-album$/);
    expect(await page.locator("[data-testid=why-blocked]").textContent()).toBe(
      `Not running: waiting for the tasks of group ${LONG_GROUP} (as it was sealed) to end.`,
    );
    expect(await spill(page)).toBeLessThanOrEqual(0);
    await page.locator("[data-testid=follow-up-of] a").click();
    await page.waitForURL(new RegExp(`/ui/groups/${LONG_GROUP}$`));
    await page.close();
  });
}

it("the overview counts blocked tasks in their own column, within view at 390 px", async () => {
  const page = await open(390, "/ui?prefix=etl");
  const row = page.locator('tr[data-topic="etl"]');
  expect((await row.locator('td[data-label="blocked"]').textContent())!.trim()).toBe("1");
  expect(await hidden(page, 'tr[data-topic="etl"] td.num')).toEqual([]);
  expect(await spill(page)).toBeLessThanOrEqual(0);
  await page.close();
  expect(dialogs).toEqual([]);
});
