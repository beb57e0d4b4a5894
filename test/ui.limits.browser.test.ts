/**
 * Topic limits on the dashboard, in Chromium against a real server: the
 * topic page's form sets a cap, the in-place refresh then shows running
 * against it and the tasks held back as workers take tasks, the overview's
 * row marks the same, a refused value is shown beside its field, and the
 * limits are removed; the page does not spill out of a phone's width. Fails
 * — never skips — when Chromium is missing.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { launchChromium, listen, spill } from "./browser.ts";
import { tempDbUrl } from "./helpers.ts";

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let browser: Browser;
let base: string;
let closeServer: () => void;

beforeAll(async () => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
  ({ base, close: closeServer } = await listen(sokkaRoutes({ taskq }).fetch));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  closeServer?.();
  await taskq?.close();
  db?.cleanup();
});

it("sets a cap from the topic's page, shows running against it and held back as they change, and removes it", async () => {
  await taskq.createTasks(Array.from({ length: 3 }, () => ({ topic: "openai" })));
  const page = await browser.newPage();
  await page.goto(`${base}/ui/topics/openai`);
  await expect.poll(() => page.getByTestId("limits").textContent()).toContain("No limits");

  // refused: the error beside its field, what was typed kept, nothing stored
  await page.fill("input[name=concurrency]", "0");
  await page.click("button:has-text('Set limits')");
  await page.waitForURL(/\/ui\/topics\/limits$/);
  expect(await page.locator("#concurrency-error").textContent()).toMatch(/concurrency .*at least 1/);
  expect(await page.locator("input[name=concurrency]").getAttribute("aria-invalid")).toBe("true");
  expect(await page.locator("input[name=concurrency]").inputValue()).toBe("0");
  expect(await taskq.topicLimits("openai")).toBeNull();

  await page.fill("input[name=concurrency]", "2");
  await page.fill("input[name=rateLimit]", "50");
  await page.fill("input[name=ratePeriodMs]", "1000");
  await page.fill("input[name=rateBurst]", "5"); // (burst 0: one at a time after a quiet spell)
  await page.click("button:has-text('Set limits')");
  await page.waitForURL(/\/ui\/topics\/openai\?notice=limits-set$/);
  expect(await page.locator(".notice").textContent()).toContain("Limits set");
  expect(await taskq.topicLimits("openai")).toEqual({ concurrency: 2, rate: { limit: 50, periodMs: 1000, burst: 5 } });
  expect(await page.getByTestId("limits").textContent()).toBe("at most 2 running · 50 per 1.0 s + 5 burst");
  expect(await page.getByTestId("running").textContent()).toBe("0 / 2 running");

  // workers take what the cap lets them: the refresh shows it in place
  expect(await taskq.reserveTasks("openai", "w", 3)).toHaveLength(2);
  await expect.poll(() => page.getByTestId("running").textContent(), { timeout: 15_000 }).toBe("2 / 2 running");
  expect(await page.getByTestId("held-back").textContent()).toMatch(/^1 ready/);
  expect(await page.locator("tr[data-topic=openai] .badge.limits").textContent()).toBe("2 / 2");

  // the overview's row marks the same
  await page.goto(`${base}/ui`);
  const row = page.locator("tr[data-topic=openai]");
  expect(await row.locator(".badge.limits").textContent()).toBe("2 / 2");
  expect(await row.locator(".badge.held-back").textContent()).toBe("held back 1");
  expect(await row.locator(".badge.limits").getAttribute("title")).toBe("at most 2 running · 50 per 1.0 s + 5 burst");

  // a phone: the topic's page, its limits and form, stay within the screen
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/ui/topics/openai`);
  expect(await spill(page)).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.click("button:has-text('Remove limits')");
  await page.waitForURL(/\/ui\/topics\/openai\?notice=limits-removed$/);
  expect(await taskq.topicLimits("openai")).toBeNull();
  expect(await page.getByTestId("limits").textContent()).toContain("No limits");
  await page.goto(`${base}/ui`);
  expect(await page.locator("tr[data-topic=openai] .badge.limits").count()).toBe(0);
  await page.close();
});
