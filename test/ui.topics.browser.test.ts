/**
 * The overview with 10,000 topics, in Chromium against a real server: a
 * compressed page of 50, every page reachable (the pager to the last page and
 * back, the search), a pause that comes back to its own page, and an
 * in-place refresh that asks for that page again and nothing more. Fails —
 * never skips — when Chromium is missing.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { launchChromium, listen } from "./browser.ts";
import { tempDbUrl } from "./helpers.ts";

const N = 10_000;
const name = (i: number) => `topic-${String(i).padStart(5, "0")}`;

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let browser: Browser;
let base: string;
let closeServer: () => void;

beforeAll(async () => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
  for (let i = 0; i < N; i += 1000) {
    await taskq.createTasks(Array.from({ length: 1000 }, (_, k) => ({ topic: name(i + k) })));
  }
  ({ base, close: closeServer } = await listen(sokkaRoutes({ taskq }).fetch));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  closeServer?.();
  await taskq?.close();
  db?.cleanup();
});

/** The topics of the rows shown. */
const rows = (page: Page) => page.locator("table tr td:first-child a").allTextContents();

it("pages through 10,000 topics: a compressed page of 50, on to the last page and back, and a search", async () => {
  const page = await browser.newPage();
  const res = (await page.goto(`${base}/ui`))!;
  expect(res.status()).toBe(200);
  expect((await res.allHeaders())["content-encoding"]).toBe("gzip");
  expect((await res.body()).length).toBeLessThanOrEqual(500 * 1024);
  expect(await rows(page)).toEqual(Array.from({ length: 50 }, (_, i) => name(i)));

  await page.click("a[rel=next]");
  await page.waitForURL(/cursor=/);
  expect((await rows(page))[0]).toBe(name(50));
  await page.click("a[rel=last]");
  await page.waitForURL(/last=1/);
  expect(await rows(page)).toEqual(Array.from({ length: 50 }, (_, i) => name(N - 50 + i)));
  expect(await page.locator(".pager").textContent()).toContain("End of list.");
  await page.click("a[rel=prev]");
  await page.waitForURL(/cursor=/);
  expect(await rows(page)).toEqual(Array.from({ length: 50 }, (_, i) => name(N - 100 + i)));
  await page.click("a[rel=first]");
  await page.waitForURL(/\/ui$/);
  expect((await rows(page))[0]).toBe(name(0));

  // the search: topics that start with what is typed, paged the same way
  await page.fill("input[name=prefix]", "topic-0777");
  await page.click("button:has-text('Find topics')");
  await page.waitForURL(/prefix=topic-0777/);
  expect(await rows(page)).toEqual(Array.from({ length: 10 }, (_, i) => name(7770 + i)));
  await page.locator("a", { hasText: name(7777) }).click();
  await page.waitForURL(/\/ui\/topics\/topic-07777$/);
  expect(await page.locator("h1").textContent()).toBe(`Topic ${name(7777)}`);
  await page.close();
});

it("a pause comes back to the same page; the refresh asks for that page again, and nothing more", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/ui?last=1`);
  const row = page.locator("tr", { has: page.locator("a", { hasText: name(N - 3) }) });
  await row.locator("button:has-text('Pause')").click();
  await page.waitForURL(/\?last=1&notice=paused$/);
  expect((await taskq.topicPage({ prefix: name(N - 3), limit: 1 })).data[0].paused).toBe(true);
  expect(await page.locator(".notice").textContent()).toContain("Topic paused");
  expect((await rows(page)).at(-1)).toBe(name(N - 1));
  await page.locator("tr", { has: page.locator("a", { hasText: name(N - 3) }) }).locator("button:has-text('Resume')")
    .click();
  await page.waitForURL(/\?last=1&notice=resumed$/);

  // the in-place refresh: the fragment of this page, by its own URL, bounded like it
  const refreshes: { url: string; bytes: number; encoding?: string }[] = [];
  page.on("response", async (r) => {
    if (r.request().headers()["x-sokka-fragment"] !== "1") return;
    refreshes.push({
      url: r.url(),
      bytes: (await r.body()).length,
      encoding: (await r.allHeaders())["content-encoding"],
    });
  });
  await taskq.createTask({ topic: name(N - 2) });
  await expect.poll(() => refreshes.length, { timeout: 15_000 }).toBeGreaterThan(0);
  expect(new URL(refreshes[0].url).search).toBe("?last=1"); // the page itself, without its notice
  expect(refreshes[0].bytes).toBeLessThanOrEqual(500 * 1024);
  expect(refreshes[0].encoding).toBe("gzip");
  const cells = page.locator("tr", { has: page.locator("a", { hasText: name(N - 2) }) }).locator("td");
  await expect.poll(async () => (await cells.nth(1).textContent())?.trim(), { timeout: 15_000 }).toBe("2");
  await page.close();
});
