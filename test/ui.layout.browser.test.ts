/**
 * The dashboard's layout with awkward data, in Chromium against a real
 * server: a topic of the longest allowed name (255 characters) and a long
 * realistic one never widen the page nor push the counts out of view, at
 * 1280 px and at 390 px; task ids stay on one line; counts have thousands
 * separators; topics are in natural order (topic-2 before topic-10); an idle
 * topic's charts are compact; the create form's rows are apart. Fails — never
 * skips — when Chromium is missing.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { hidden, launchChromium, listen, spill } from "./browser.ts";
import { tempDbUrl } from "./helpers.ts";

/** The longest topic allowed, with no place to break it. */
const LONG = `long-topic-${"x".repeat(244)}`;
/** A long name as people write them. */
const REAL = "com.example.billing.invoices.monthly_reconciliation_v2";
const BIG = 12_345;
const enc = encodeURIComponent;
const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let browser: Browser;
let base: string;
let closeServer: () => void;

beforeAll(async () => {
  expect(LONG).toHaveLength(255);
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
  for (const topic of [LONG, REAL]) {
    await taskq.createTasks(Array.from({ length: 3 }, () => ({ topic, taskDescription: "a task" })));
    const t = (await taskq.reserveTask(topic, "worker-1"))!;
    await taskq.terminate(t.taskId, "worker-1"); // some activity: its charts are drawn
  }
  await taskq.createTasks(["topic-10", "topic-2", "topic-1", "idle"].map((topic) => ({ topic })));
  for (let i = 0; i < BIG; i += 1000) {
    await taskq.createTasks(Array.from({ length: Math.min(1000, BIG - i) }, () => ({ topic: "big" })));
  }
  ({ base, close: closeServer } = await listen(sokkaRoutes({ taskq }).fetch));
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  closeServer?.();
  await taskq?.close();
  db?.cleanup();
});

async function open(width: number, path: string, status = 200): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  const res = await page.goto(base + path);
  expect(res!.status(), path).toBe(status);
  return page;
}

/** The overview's row of `topic` (by the link to its page). */
const rowOf = (topic: string) => `tr:has(td:first-child a[href$="/topics/${enc(topic)}"])`;

for (const width of [1280, 390]) {
  it(`at ${width} px a 255-character topic widens no page and leaves every count in view`, async () => {
    const pages = [
      "/ui",
      `/ui/topics/${enc(LONG)}`,
      `/ui/tasks?topic=${enc(LONG)}`,
      `/ui?prefix=${enc(LONG)}`,
      "/ui/tasks",
    ];
    for (const path of pages) {
      const page = await open(width, path);
      expect(await spill(page), path).toBeLessThanOrEqual(0);
      const shot = { "/ui": "overview", "/ui/tasks": "tasks" }[path];
      if (shot) await page.screenshot({ path: `${ARTIFACTS}long-topic-${shot}-${width}.png` });
      if (path.startsWith("/ui/tasks")) {
        const cells = "table tr td.num";
        expect(await page.locator(cells).count(), path).toBeGreaterThan(0);
        expect(await hidden(page, cells), path).toEqual([]);
      } else {
        const cells = `${rowOf(LONG)} td.num`;
        expect(await page.locator(cells).count(), path).toBe(10); // 8 statuses, the total, the oldest ready task
        expect(await hidden(page, cells), path).toEqual([]);
        // the name is cut, not lost: the whole of it is the link's title
        expect(await page.locator(`${rowOf(LONG)} a[title="${LONG}"]`).count(), path).toBe(1);
      }
      await page.close();
    }
    const task = (await taskq.listTasks({ topic: LONG }, { limit: 1 })).data[0];
    const detail = await open(width, `/ui/tasks/${enc(task.taskId)}`);
    expect(await spill(detail)).toBeLessThanOrEqual(0);
    await detail.close();
    // a topic with nothing (a name one character off): its error page says so, and holds too
    const gone = await open(width, `/ui/topics/${enc(LONG.slice(0, -1))}`, 404);
    expect(await spill(gone)).toBeLessThanOrEqual(0);
    await gone.close();
  });
}

it("at 390 px a long realistic topic widens no page", async () => {
  for (const path of ["/ui", `/ui/topics/${enc(REAL)}`, `/ui/tasks?topic=${enc(REAL)}`, `/ui/topics/${enc(REAL)}_v3`]) {
    const page = await open(390, path, path.endsWith("_v3") ? 404 : 200);
    expect(await spill(page), path).toBeLessThanOrEqual(0);
    if (path === "/ui" || path === `/ui/topics/${enc(REAL)}`) {
      expect(await hidden(page, `${rowOf(REAL)} td.num`)).toEqual([]);
    }
    await page.close();
  }
});

it("task ids stay on one line in the lists, and link to the whole id", async () => {
  for (const width of [1280, 390]) {
    const page = await open(width, `/ui/tasks?topic=${enc(LONG)}`);
    const ids = await page.locator("td.id a").evaluateAll((as) =>
      as.map((a) => {
        const line = parseFloat(getComputedStyle(a).lineHeight) || 20;
        return {
          id: a.textContent,
          title: a.getAttribute("title"),
          href: decodeURIComponent(a.getAttribute("href")!.split("/").pop()!),
          oneLine: a.getClientRects().length === 1 && a.getBoundingClientRect().height < 1.5 * line,
        };
      })
    );
    expect(ids).toHaveLength(3);
    for (const i of ids) expect(i, `${width} px`).toEqual({ id: i.title, title: i.href, href: i.href, oneLine: true });
    await page.close();
  }
});

it("counts have thousands separators", async () => {
  const overview = await open(1280, "/ui?prefix=big");
  const cells = (await overview.locator(`${rowOf("big")} td`).allTextContents()).map((c) => c.trim());
  expect(cells[1]).toBe("12,345"); // starting
  expect(cells[9]).toBe("12,345"); // total
  await overview.close();
  const list = await open(1280, "/ui/tasks?topic=big");
  expect(await list.locator("[data-testid=total]").textContent()).toMatch(/^12,345 tasks match/);
  await list.close();
});

it("topics are in natural order: topic-2 before topic-10", async () => {
  const page = await open(1280, "/ui?prefix=topic-");
  expect(await page.locator("table tr td:first-child a").allTextContents()).toEqual(["topic-1", "topic-2", "topic-10"]);
  await page.close();
});

it("an idle topic's charts are one compact line, not a chart's height", async () => {
  const page = await open(1280, "/ui/topics/idle");
  const card = page.locator('.card[data-topic="idle"]');
  expect(await card.locator("svg").count()).toBe(0);
  expect(await card.textContent()).toContain("nothing completed or failed in the last day");
  expect((await card.boundingBox())!.height).toBeLessThan(90); // a chart alone is 90 px tall
  await page.close();
});

it("the rows of the create form are apart", async () => {
  for (const width of [1280, 390]) {
    const page = await open(width, "/ui/new");
    const rows = await page.locator("form .row").evaluateAll((rs) =>
      rs.map((r) => ({ top: r.getBoundingClientRect().top, bottom: r.getBoundingClientRect().bottom }))
    );
    expect(rows).toHaveLength(2);
    expect(rows[1].top - rows[0].bottom, `${width} px`).toBeGreaterThanOrEqual(8);
    await page.close();
  }
});
