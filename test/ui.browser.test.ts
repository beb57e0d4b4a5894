/**
 * The dashboard in a real browser (Debian's Chromium driven by
 * playwright-core) against the served app. Fails — never skips — when
 * Chromium is missing (.ci/run installs it).
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { launchChromium, listen } from "./browser.ts";
import { tempDbUrl } from "./helpers.ts";

const XSS_IMG = "<img src=x onerror=alert(1)>";
const XSS_SCRIPT = "</script><script>window.__pwned = 1; alert(2)</script>";
/** Out of an attribute's quotes (either kind), then an element. */
const XSS_ATTR = `"' autofocus onfocus=alert(3) x="'><img src=x onerror=alert(4)>`;
/**
 * A task in each state the dashboard shows a field of, every field a payload:
 * ids, topic, sub-topic, group, description, data, and the owner (running),
 * the result (terminated), the error (failed), the cancel reason (cancelled).
 */
const HOSTILE = {
  topic: `topic ${XSS_IMG}`,
  subTopic: `sub ${XSS_SCRIPT}`,
  group: `group ${XSS_ATTR}`,
  pid: `pid ${XSS_ATTR} ${XSS_SCRIPT}`,
  running: `run ${XSS_ATTR}`,
  terminated: `done ${XSS_SCRIPT}`,
  failed: `failed ${XSS_IMG}`,
  cancelled: `cancelled ${XSS_ATTR}`,
  description: `${XSS_ATTR} ${XSS_SCRIPT}`,
  data: { html: XSS_SCRIPT, img: XSS_IMG, attr: XSS_ATTR },
  result: { html: XSS_SCRIPT, attr: XSS_ATTR },
  error: `${XSS_SCRIPT} ${XSS_ATTR}`,
  reason: `${XSS_IMG} ${XSS_SCRIPT}`,
};
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
  const hostile = (taskId: string) =>
    taskq.createTask({
      topic: HOSTILE.topic,
      subTopic: HOSTILE.subTopic,
      taskGroupId: HOSTILE.group,
      taskId,
      taskDescription: HOSTILE.description,
      data: HOSTILE.data,
    });
  for (const id of [HOSTILE.running, HOSTILE.terminated, HOSTILE.failed]) {
    await hostile(id);
    expect((await taskq.reserveTask(HOSTILE.topic, HOSTILE.pid))!.taskId).toBe(id);
  }
  await taskq.terminate(HOSTILE.terminated, HOSTILE.pid, { result: HOSTILE.result });
  await taskq.fail(HOSTILE.failed, HOSTILE.pid, HOSTILE.error);
  await taskq.cancelTask((await hostile(HOSTILE.cancelled)).taskId, HOSTILE.reason);
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
  const cells = (await email.locator("td").allTextContents()).map((c) => c.replace(/\s+/g, " ").trim());
  // topic (with its pause control), then starting, running, snoozed, blocked, held, failed, terminated, cancelled,
  // total, and how long the oldest ready task (mail-2, waiting since the start) has waited
  expect(cells.slice(0, 10)).toEqual(["email Pause", "1", "1", "0", "0", "0", "0", "0", "0", "2"]);
  expect(cells[10]).toMatch(/^\d+ (s|min)$/);
  await page.screenshot({ path: `${ARTIFACTS}overview.png`, fullPage: true });
  await page.close();
});

it("filters the task list and opens a task", async () => {
  const page = await open("/ui/tasks");
  await page.selectOption("select[name=status]", "running");
  await page.click("button[type=submit]");
  await page.waitForURL(/status=running/);
  const rows = page.locator("table tr td:first-child a");
  expect((await rows.allTextContents()).sort()).toEqual(["mail-1", HOSTILE.running]); // (the hostile fixture's too)
  await rows.filter({ hasText: /^mail-1$/ }).click();
  await page.waitForURL(/\/ui\/tasks\/mail-1$/);
  expect(await page.locator("[data-testid=task-data]").textContent()).toContain("ada@example.com");
  expect(await page.locator("dd", { hasText: "worker-1" }).count()).toBe(2); // owner and last owner
  await page.screenshot({ path: `${ARTIFACTS}task.png`, fullPage: true });
  await page.close();
});

it("creates a task through the form", async () => {
  const page = await open("/ui/new");
  await page.fill("input[name=topic]", "from-browser");
  await page.fill("input[name=taskDescription]", "made in Chromium");
  await page.fill("textarea[name=data]", '{"hello": "browser"}');
  await page.click("button[type=submit]");
  await page.waitForURL(/\/ui\/tasks\/[0-9a-z]+\?notice=created$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  expect(await page.locator(".notice").textContent()).toBe("Task created.");
  expect(await taskq.task(id)).toMatchObject({ topic: "from-browser", data: { hello: "browser" }, status: "starting" });
  await page.close();
});

it("revokes a lease from the task page", async () => {
  const page = await open("/ui/tasks/mail-1");
  await page.click("text=Revoke lease");
  await page.waitForURL(/\/ui\/tasks\/mail-1\?notice=revoked$/);
  expect(await taskq.task("mail-1")).toMatchObject({ status: "starting", pid: null, lastPid: "worker-1" });
  expect(await page.locator("h1 .badge").textContent()).toBe("starting");
  expect(await page.locator(".notice").textContent()).toContain("Lease revoked");
  expect(await page.locator("[data-testid=last-owner]").textContent()).toBe("worker-1");
  await page.close();
});

it("renders user-written HTML and scripts as text in every field: nothing executes, nothing is injected", async () => {
  const enc = encodeURIComponent;
  const pages = [
    "/ui",
    "/ui/tasks",
    "/ui/tasks?topic=thumbs",
    "/ui/topics/thumbs",
    `/ui/topics/${enc(HOSTILE.topic)}`,
    `/ui?prefix=${enc(HOSTILE.topic.slice(0, 5))}`,
    "/ui/tasks/xss-img",
    "/ui/tasks/xss-script",
    "/ui/groups/xss-script",
    `/ui/tasks?topic=${enc(HOSTILE.topic)}`,
    `/ui/tasks?subTopic=${enc(HOSTILE.subTopic)}`,
    `/ui/groups/${enc(HOSTILE.group)}`,
    `/ui/find?taskId=${enc(XSS_ATTR)}`,
    ...[HOSTILE.running, HOSTILE.terminated, HOSTILE.failed, HOSTILE.cancelled].map((id) => `/ui/tasks/${enc(id)}`),
  ];
  const page = await open("/ui");
  for (const path of pages) {
    await page.goto(base + path);
    await page.waitForLoadState("load");
    expect(await page.locator("img").count(), path).toBe(0);
    expect(await page.locator("[onerror], [onfocus], [autofocus]").count(), path).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), path).toBeUndefined();
    expect(await page.locator("script").count(), path).toBe(1); // only the dashboard's own
  }
  await page.goto(base + "/ui/tasks/xss-script");
  expect(await page.locator("[data-testid=task-data]").textContent()).toContain(XSS_SCRIPT);
  expect(await page.locator("dd", { hasText: "window.__pwned" }).count()).toBe(1);
  await page.goto(base + "/ui/tasks/xss-img");
  expect(await page.locator("[data-testid=task-data]").textContent()).toContain(XSS_IMG);
  // every payload is shown, as the very text it is, where its field is shown
  const json = (x: unknown) => JSON.stringify(x, null, 2);
  const names = [HOSTILE.topic, HOSTILE.subTopic, HOSTILE.group, HOSTILE.description];
  const shows: Record<string, string[]> = {
    [HOSTILE.running]: [HOSTILE.running, ...names, json(HOSTILE.data), HOSTILE.pid],
    [HOSTILE.terminated]: [HOSTILE.terminated, ...names, json(HOSTILE.result), HOSTILE.pid],
    [HOSTILE.failed]: [HOSTILE.failed, ...names, HOSTILE.error, HOSTILE.pid],
    [HOSTILE.cancelled]: [HOSTILE.cancelled, ...names, HOSTILE.reason],
  };
  for (const [id, texts] of Object.entries(shows)) {
    await page.goto(`${base}/ui/tasks/${enc(id)}`);
    const text = await page.locator("body").textContent();
    for (const t of texts) expect(text, `${id}: ${t}`).toContain(t);
  }
  await page.goto(`${base}/ui/tasks?topic=${enc(HOSTILE.topic)}`);
  const listed = await page.locator("body").textContent();
  for (const t of [...Object.keys(shows), HOSTILE.topic, HOSTILE.subTopic, HOSTILE.description, HOSTILE.pid]) {
    expect(listed, t).toContain(t);
  }
  await page.goto(`${base}/ui`);
  expect(await page.locator("a", { hasText: HOSTILE.topic }).count()).toBeGreaterThan(0);
  await page.close();
  expect(dialogs).toEqual([]);
});

it("lists newest first with a total, pages back and forth, refreshes the list in place, and says times are UTC", async () => {
  const topic = "paging";
  for (let i = 0; i < 55; i++) await taskq.createTask({ topic, taskId: `p-${String(i).padStart(2, "0")}` });
  const page = await open(`/ui/tasks?topic=${topic}`);
  expect(await page.locator("header .zone").textContent()).toBe("All times UTC");
  expect(await page.locator("[data-testid=total]").textContent()).toContain("55 tasks match");
  const ids = () => page.locator("table tr td.id a").allTextContents();
  const firstPage = await ids();
  expect(firstPage.length).toBe(50);
  expect(firstPage[0]).toBe("p-54"); // newest first
  expect(await page.locator("a[rel=prev]").count()).toBe(0);
  await page.click("a[rel=next]");
  await page.waitForURL(/cursor=/);
  expect(await ids()).toEqual(["p-04", "p-03", "p-02", "p-01", "p-00"]);
  await page.click("a[rel=prev]");
  await page.waitForURL(/cursor=/);
  expect(await ids()).toEqual(firstPage);
  // a new task appears without reloading the page
  await page.goto(`${base}/ui/tasks?topic=${topic}`);
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  await taskq.createTask({ topic, taskId: "p-new" });
  await expect.poll(async () => (await ids())[0], { timeout: 15_000 }).toBe("p-new");
  expect(await page.locator("[data-testid=total]").textContent()).toContain("56 tasks match");
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  expect(await page.locator("td.time").first().textContent()).toMatch(/ UTC$/);
  await page.close();
});

it("a bad time filter and bad JSON in the create form show the error beside the field and keep what was typed", async () => {
  const list = await open("/ui/tasks?topic=email&from=yesterday");
  expect(await list.locator("#from-error").textContent()).toContain("from must be a date and time (UTC)");
  expect(await list.inputValue("input[name=from]")).toBe("yesterday");
  expect(await list.inputValue("input[name=topic]")).toBe("email");
  expect(await list.locator("h1").textContent()).toBe("Tasks");
  await list.close();

  const form = await open("/ui/new");
  await form.fill("input[name=topic]", "typed-topic");
  await form.fill("input[name=taskDescription]", "typed description");
  await form.fill("textarea[name=data]", '{"to": "ada@example.com",');
  await form.click("button[type=submit]");
  await form.waitForLoadState("load");
  expect(await form.locator("#data-error").textContent()).toContain("data is not valid JSON");
  expect(await form.inputValue("textarea[name=data]")).toBe('{"to": "ada@example.com",');
  expect(await form.inputValue("input[name=topic]")).toBe("typed-topic");
  expect(await form.inputValue("input[name=taskDescription]")).toBe("typed description");
  // a refusal of the store goes beside its field too
  await form.fill("textarea[name=data]", "{}");
  await form.fill("input[name=topic]", "x".repeat(256));
  await form.click("button[type=submit]");
  await form.waitForLoadState("load");
  expect(await form.locator("#topic-error").textContent()).toContain("topic must be at most 255 characters");
  expect(await taskq.countTasks({ topic: "typed-topic" })).toBe(0);
  await form.close();
});

it("mark failed asks for a reason and a confirmation, then says it worked", async () => {
  await taskq.createTask({ topic: "ops", taskId: "to-fail" });
  const page = await open("/ui/tasks/to-fail");
  expect(await page.locator("button", { hasText: "Confirm: mark failed" }).isVisible()).toBe(false);
  await page.click("summary:has-text('Mark failed')");
  await page.click("button:has-text('Confirm: mark failed')"); // the reason is required: nothing is sent
  expect(await taskq.task("to-fail")).toMatchObject({ status: "starting" });
  await page.fill("input[name=reason]", "customer cancelled");
  await page.click("button:has-text('Confirm: mark failed')");
  await page.waitForURL(/notice=failed$/);
  expect(await page.locator(".notice").textContent()).toBe("Task marked failed.");
  expect(await taskq.task("to-fail")).toMatchObject({
    status: "failed",
    error: "marked failed from the dashboard: customer cancelled",
  });
  await page.close();
});

it("holds at 390 px wide: nothing spills out of the page, and the browser never asks for /favicon.ico", async () => {
  const notFound: string[] = [];
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  for (const path of ["/ui", "/ui/topics/email", "/ui/tasks", "/ui/tasks/xss-script", "/ui/new", "/docs"]) {
    const page = await context.newPage();
    page.on("response", (r) => r.status() === 404 && notFound.push(r.url()));
    await page.goto(base + path);
    await page.waitForLoadState("load");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
    // every form control fits in the viewport
    const outside = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.width > 0 && (r.left < 0 || r.right > window.innerWidth))
        .map((r) => `${r.left}..${r.right}`)
    );
    expect(outside, path).toEqual([]);
    if (path === "/ui/tasks") await page.screenshot({ path: `${ARTIFACTS}tasks-390.png` });
    if (path === "/ui") await page.screenshot({ path: `${ARTIFACTS}overview-390.png`, fullPage: true });
    await page.close();
  }
  await context.close();
  expect(notFound).toEqual([]);
});

it("holds, releases, cancels and re-runs a task from its page, each behind a form post", async () => {
  await taskq.createTask({ topic: "ops", taskId: "op-1" });
  const page = await open("/ui/tasks/op-1");
  await page.click("button:has-text('Hold')");
  await page.waitForURL(/notice=held$/);
  expect(await page.locator("h1 .badge").textContent()).toBe("held");
  expect(await taskq.task("op-1")).toMatchObject({ status: "held" });
  await page.click("button:has-text('Release')");
  await page.waitForURL(/notice=released$/);
  expect(await taskq.task("op-1")).toMatchObject({ status: "starting" });
  await page.click("summary:has-text('Cancel')");
  await page.fill("input[name=cancelReason]", "duplicate order");
  await page.click("button:has-text('Confirm: cancel')");
  await page.waitForURL(/notice=cancelled$/);
  expect(await page.locator("h1 .badge").textContent()).toBe("cancelled");
  expect(await taskq.task("op-1")).toMatchObject({
    status: "cancelled",
    error: "cancelled from the dashboard: duplicate order",
  });
  await page.click("button:has-text('Re-run')");
  await page.waitForURL(/notice=retried$/);
  expect(await taskq.task("op-1")).toMatchObject({ status: "starting", failures: 0 });
  await page.close();
});

it("pauses and resumes a topic from the overview", async () => {
  const page = await open("/ui");
  const row = page.locator("tr", { has: page.locator("a", { hasText: /^thumbs$/ }) });
  await row.locator("button:has-text('Pause')").click();
  await page.waitForURL(/notice=paused$/);
  expect((await taskq.topicStats()).find((s) => s.topic === "thumbs")!.paused).toBe(true);
  expect(await taskq.reserveTask("thumbs", "nobody")).toBeNull();
  await page.locator("tr", { has: page.locator("a", { hasText: /^thumbs$/ }) }).locator("button:has-text('Resume')")
    .click();
  await page.waitForURL(/notice=resumed$/);
  expect((await taskq.topicStats()).find((s) => s.topic === "thumbs")!.paused).toBe(false);
  await page.close();
});

it("pauses and resumes a topic from its own page, and comes back to it", async () => {
  const page = await open("/ui/topics/email");
  await page.click("button:has-text('Pause')");
  await page.waitForURL(/\/ui\/topics\/email\?notice=paused$/);
  expect(await page.locator(".notice").textContent()).toContain("Topic paused");
  expect((await taskq.topicPage({ prefix: "email", limit: 1 })).data[0].paused).toBe(true);
  await page.click("button:has-text('Resume')");
  await page.waitForURL(/\/ui\/topics\/email\?notice=resumed$/);
  expect((await taskq.topicPage({ prefix: "email", limit: 1 })).data[0].paused).toBe(false);
  // a topic with nothing is not found
  const none = await open("/ui/topics/no-such-topic");
  expect(await none.locator("h1").textContent()).toBe("Not found");
  await none.close();
  await page.close();
});

it("the create form takes priority, max attempts and a delay; a bad one is shown beside its field", async () => {
  const page = await open("/ui/new");
  await page.fill("input[name=topic]", "scheduled");
  await page.fill("input[name=priority]", "-2");
  await page.fill("input[name=maxAttempts]", "0");
  await page.fill("input[name=delayMs]", "60000");
  await page.click("button[type=submit]");
  // maxAttempts 0 is refused by the store's validation, beside its field, keeping what was typed
  expect(await page.locator("#maxAttempts-error").textContent()).toContain("must be at least 1");
  expect(await page.inputValue("input[name=priority]")).toBe("-2");
  await page.fill("input[name=maxAttempts]", "3");
  await page.click("button[type=submit]");
  await page.waitForURL(/\/ui\/tasks\/[0-9a-z]+\?notice=created$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  const t = (await taskq.task(id))!;
  expect(t).toMatchObject({ topic: "scheduled", priority: -2, maxAttempts: 3, status: "starting" });
  expect(t.runAt).toBe(t.createdAt + 60_000);
  await page.close();
});

it("charts each topic's completed and failed tasks per minute (last hour and day) as the store counted them", async () => {
  const topic = "charts";
  await taskq.createTasks(Array.from({ length: 5 }, (_, i) => ({ topic, taskId: `chart-${i}` })));
  const running = await taskq.reserveTasks(topic, "w1", 4);
  for (const t of running.slice(0, 3)) await taskq.terminate(t.taskId, "w1");
  await taskq.fail(running[3].taskId, "w1", "broken");
  // the overview's row: the last hour as a sparkline; an idle topic has a word, not a chart
  const overview = await open("/ui");
  const spark = overview.locator("tr", { has: overview.locator("a", { hasText: /^charts$/ }) }).locator("svg.spark");
  expect([await spark.getAttribute("data-completed"), await spark.getAttribute("data-failed")]).toEqual(["3", "1"]);
  expect(await spark.locator("title").textContent()).toContain("3 completed and 1 failed in the last hour");
  const idle = overview.locator("tr", { has: overview.locator("a", { hasText: /^email$/ }) }).locator("td.spark");
  expect(await idle.textContent()).toBe("idle");
  await overview.screenshot({ path: `${ARTIFACTS}overview.png`, fullPage: true });
  // the topic's own page, from its name: the full charts
  await overview.locator("a", { hasText: /^charts$/ }).click();
  await overview.waitForURL(/\/ui\/topics\/charts$/);
  const page = overview;
  const card = page.locator(`.card[data-topic="${topic}"]`);
  const store = (await taskq.activity({ topic, sinceMs: 3_600_000 })).minutes;
  const sum = (k: "completed" | "failed") => store.reduce((n, m) => n + m[k], 0);
  expect([sum("completed"), sum("failed")]).toEqual([3, 1]);
  for (const span of ["hour", "day"]) {
    const svg = card.locator(`svg.chart.${span}`);
    expect(await svg.getAttribute("data-completed"), span).toBe("3");
    expect(await svg.getAttribute("data-failed"), span).toBe("1");
    expect(await svg.locator("title").textContent()).toContain(`3 completed and 1 failed in the last ${span}`);
  }
  // the hour's bars: one per minute, each with the store's counts of its minute
  const bars = await card.locator("svg.chart.hour g[data-minute]").evaluateAll((gs) =>
    gs.map((g) => ({
      minute: Date.parse(g.getAttribute("data-minute")!),
      completed: Number(g.getAttribute("data-completed")),
      failed: Number(g.getAttribute("data-failed")),
    }))
  );
  expect(bars).toHaveLength(60);
  for (const m of store) {
    expect(bars.find((b) => b.minute === m.minute), String(m.minute)).toMatchObject({
      completed: m.completed,
      failed: m.failed,
    });
  }
  expect(await card.locator("svg.chart.hour rect.completed[height]:not([height='0.0'])").count()).toBeGreaterThan(0);
  await page.screenshot({ path: `${ARTIFACTS}topic.png`, fullPage: true });
  await page.close();
});

it("finds a task by id from the header's search; an unknown id says so", async () => {
  const page = await open("/ui");
  await page.fill("form.search input[name=taskId]", "mail-2");
  await page.click("form.search button");
  await page.waitForURL(/\/ui\/tasks\/mail-2$/);
  expect(await page.locator("h1").textContent()).toContain("mail-2");
  await page.fill("form.search input[name=taskId]", "no-such-task");
  await page.click("form.search button");
  await page.waitForURL(/\/ui\/find\?taskId=no-such-task$/);
  expect(await page.locator(".alert").textContent()).toBe("No task with id no-such-task.");
  await page.close();
});
