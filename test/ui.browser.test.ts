/**
 * The dashboard in a real browser (Debian's Chromium driven by
 * playwright-core) against the served app. Fails — never skips — when
 * Chromium is missing (.ci/run installs it).
 */
import { serve } from "@hono/node-server";
import { mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { tempDbUrl } from "./helpers.ts";

const XSS_IMG = "<img src=x onerror=alert(1)>";
const XSS_SCRIPT = "</script><script>window.__pwned = 1; alert(2)</script>";
const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let browser: Browser;
let base: string;
let closeServer: () => void;
const dialogs: string[] = [];

beforeAll(async () => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
  await taskq.createTasks<unknown>([
    { topic: "email", taskId: "mail-1", data: { to: "ada@example.com" }, taskDescription: "welcome mail" },
    { topic: "email", taskId: "mail-2", data: { to: "bob@example.com" } },
    { topic: "thumbs", taskId: "xss-img", data: XSS_IMG, taskDescription: XSS_IMG },
    { topic: "thumbs", taskId: "xss-script", data: { html: XSS_SCRIPT }, taskDescription: XSS_SCRIPT, subTopic: "sub" },
  ]);
  await taskq.reserveTask("email", "worker-1"); // mail-1 is running
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: sokkaRoutes({ taskq }).fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve();
    });
    closeServer = () => server.close();
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  closeServer?.();
  await taskq?.close();
  db?.cleanup();
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(base + path);
  return page;
}

it("the overview lists topics with counts per status", async () => {
  const page = await open("/ui");
  await expect.poll(() => page.locator("h1").textContent()).toBe("Topics");
  const email = page.locator("tr", { hasText: "email" });
  expect(await email.locator("td").allTextContents()).toEqual(["email", "1", "1", "0", "0", "0", "2"]);
  await page.screenshot({ path: `${ARTIFACTS}overview.png`, fullPage: true });
  await page.close();
});

it("filters the task list and opens a task", async () => {
  const page = await open("/ui/tasks");
  await page.selectOption("select[name=status]", "running");
  await page.click("button[type=submit]");
  await page.waitForURL(/status=running/);
  const rows = page.locator("table tr td:first-child a");
  expect(await rows.allTextContents()).toEqual(["mail-1"]);
  await rows.first().click();
  await page.waitForURL(/\/ui\/tasks\/mail-1$/);
  expect(await page.locator("[data-testid=task-data]").textContent()).toContain("ada@example.com");
  expect(await page.locator("dd", { hasText: "worker-1" }).count()).toBe(1);
  await page.screenshot({ path: `${ARTIFACTS}task.png`, fullPage: true });
  await page.close();
});

it("creates a task through the form", async () => {
  const page = await open("/ui/new");
  await page.fill("input[name=topic]", "from-browser");
  await page.fill("input[name=taskDescription]", "made in Chromium");
  await page.fill("textarea[name=data]", '{"hello": "browser"}');
  await page.click("button[type=submit]");
  await page.waitForURL(/\/ui\/tasks\/[0-9a-z]+$/);
  const id = decodeURIComponent(page.url().split("/").pop()!);
  expect(await taskq.task(id)).toMatchObject({ topic: "from-browser", data: { hello: "browser" }, status: "starting" });
  await page.close();
});

it("revokes a lease from the task page", async () => {
  const page = await open("/ui/tasks/mail-1");
  await page.click("text=Revoke lease");
  await page.waitForURL(/\/ui\/tasks\/mail-1$/);
  expect(await taskq.task("mail-1")).toMatchObject({ status: "starting", pid: null });
  expect(await page.locator("h1 .badge").textContent()).toBe("starting");
  await page.close();
});

it("renders user-written HTML and scripts as text: nothing executes, nothing is injected", async () => {
  for (
    const path of [
      "/ui",
      "/ui/tasks",
      "/ui/tasks?topic=thumbs",
      "/ui/tasks/xss-img",
      "/ui/tasks/xss-script",
      "/ui/groups/xss-script",
    ]
  ) {
    const page = await open(path);
    await page.waitForLoadState("load");
    expect(await page.locator("img").count(), path).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), path).toBeUndefined();
    expect(await page.locator("script").count(), path).toBe(1); // only the dashboard's own
    await page.close();
  }
  const page = await open("/ui/tasks/xss-script");
  expect(await page.locator("[data-testid=task-data]").textContent()).toContain(XSS_SCRIPT);
  expect(await page.locator("dd", { hasText: "window.__pwned" }).count()).toBe(1);
  await page.close();
  const img = await open("/ui/tasks/xss-img");
  expect(await img.locator("[data-testid=task-data]").textContent()).toContain(XSS_IMG);
  await img.close();
  expect(dialogs).toEqual([]);
});
