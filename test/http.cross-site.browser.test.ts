/**
 * Attacks from other origins in a real browser (Debian's Chromium driven by
 * playwright-core): a page on a second server, loaded as another site
 * (`attacker.test`, resolved to 127.0.0.1 by the browser) and as the same
 * site on another port, sends `fetch(…, { method: "POST", mode: "no-cors" })`
 * to every POST route of the OpenAPI document (a PUT or DELETE, which no-cors
 * cannot send, with a CORS preflight the routes do not answer) and posts a form to every
 * dashboard action; it frames the dashboard; and a name rebound to
 * 127.0.0.1 loads the dashboard as its own origin. Nothing changes in the
 * store, nothing is framed, the rebound name reads nothing. The same attack
 * on a server that allows that origin does change the store (so the attack
 * is real). The dashboard's pages cause no CSP violation. Fails, never
 * skips, when Chromium is missing.
 */
import { Hono } from "hono";
import type { Browser } from "playwright-core";
import { launchChromium, listen as serveOn } from "./browser.ts";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, d1, type TaskQ, TestClock } from "../mod.ts";
import { startD1 } from "./d1.ts";
import { sokkaRoutes, type SokkaRoutesOptions } from "../src/http/mod.ts";
import { attackPage, attackPlan } from "./cross-site-attack.ts";

const closers: (() => unknown)[] = [];
let browser: Browser;
let attacker: number; // the port of the attacker's server

/** Serves `app` on 127.0.0.1 and a free port; returns the port. */
async function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<number> {
  const server = await serveOn(fetch);
  closers.push(server.close);
  return server.port;
}

/** A store with tasks for the API's writes (TASK_ID on topic email) and the dashboard's (FORM_TASK and FORM_SCHEDULE on forms). */
async function target(options: Omit<SokkaRoutesOptions, "taskq"> = {}): Promise<{ taskq: TaskQ; base: string }> {
  const clock = new TestClock();
  const taskq = await storeWith(clock);
  closers.push(() => taskq.close());
  // the schedule the document's paths name, and one defined two days back: a slot is due for POST /schedules/fire
  await taskq.schedule({ name: "nightly-report", cron: "@daily", topic: "reports" });
  clock.shift(-2 * 86_400_000);
  await taskq.schedule({ name: "due", cron: "@daily", topic: "reports" });
  clock.reset();
  await taskq.createTasks([
    { topic: "email", taskId: "TASK_ID", taskGroupId: "GROUP_ID" },
    { topic: "forms", taskId: "FORM_TASK" },
  ]);
  await taskq.schedule({ name: "FORM_SCHEDULE", cron: "0 0 1 1 *", topic: "forms" });
  const port = await listen(sokkaRoutes({ taskq, ...options }).fetch);
  return { taskq, base: `http://127.0.0.1:${port}` };
}

/**
 * The store behind the routes under attack: `:memory:`, or with
 * SOKKA_CROSS_SITE_STORE=d1 (test/d1.cross-site.browser.test.ts) a fresh D1
 * database in workerd (miniflare).
 */
async function storeWith(clock: TestClock): Promise<TaskQ> {
  if (process.env.SOKKA_CROSS_SITE_STORE !== "d1") return createTaskQ({ url: ":memory:", clock });
  const db = await startD1();
  closers.push(() => db.dispose()); // closed after its store (closers run in reverse)
  return createTaskQ({ driver: d1(db.db), clock });
}

async function snapshot(q: TaskQ): Promise<string> {
  const topics = (await q.topicStats()).map(({ oldestReadyAgeMs: _age, ...rest }) => rest);
  return JSON.stringify([(await q.listTasks({}, { limit: 1000 })).data, topics, await q.listSchedules()]);
}

/** The attacker's page that frames `src`, then sets its title to "framed". */
const framePage = (src: string) =>
  `<!doctype html><title>frame</title><body><iframe src="${src}" onload="document.title='framed'"></iframe></body>`;

beforeAll(async () => {
  const evil = new Hono()
    .get("/attack", (c) => c.html(attackPage(c.req.query("target")!)))
    .get("/frame", (c) => c.html(framePage(c.req.query("src")!)));
  attacker = await listen(evil.fetch);
  browser = await launchChromium([
    // another site, and a name an attacker rebinds, both to this machine
    "--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebind.attacker.example 127.0.0.1",
  ]);
});

afterAll(async () => {
  await browser?.close();
  for (const close of closers.reverse()) await close();
});

/** Opens the attacker's page at `origin` against `base`, and waits until it has sent everything. */
async function attack(origin: string, base: string): Promise<void> {
  const page = await browser.newPage();
  await page.goto(`${origin}/attack?target=${encodeURIComponent(base)}`);
  await page.waitForFunction(() => document.title === "done", undefined, { timeout: 30_000 });
  await page.close();
}

it("no-cors fetches and form posts from another site, or the same site on another port, change nothing", async () => {
  const { taskq, base } = await target({ allowedHosts: [] }); // as sokka serve: localhost and addresses
  const before = await snapshot(taskq);
  for (const origin of [`http://attacker.test:${attacker}`, `http://127.0.0.1:${attacker}`]) {
    await attack(origin, base);
    expect(await snapshot(taskq), origin).toBe(before);
  }
});

it("the same attack on a server that allows that origin does change the store (the attack is real)", async () => {
  const origin = `http://attacker.test:${attacker}`;
  const { taskq } = await target();
  const { taskq: allowing, base } = await target({ allowedOrigins: [origin] });
  const before = await snapshot(allowing);
  await attack(origin, base);
  expect(await snapshot(allowing)).not.toBe(before);
  // (hold, cancel, release, retry all hit it at once: its version, not its status, says that they acted)
  expect((await allowing.task("TASK_ID"))!.recordVer, "a no-cors fetch acted").toBeGreaterThan(1);
  expect((await allowing.listTasks({ topic: "forms" })).data.length, "a form post created a task").toBe(2);
  expect((await allowing.getSchedule("FORM_SCHEDULE"))!.paused, "a form post paused a schedule").toBe(true);
  expect((await allowing.listTasks({ schedule: "due" })).data.length, "a no-cors fetch fired a schedule").toBe(1);
  expect((await taskq.task("TASK_ID"))!.status).toBe("starting"); // (the other store, untouched)
});

it("another site cannot frame the dashboard or /docs (it can frame a JSON answer: the check sees into frames)", async () => {
  const { base } = await target();
  const framed = async (src: string) => {
    const page = await browser.newPage();
    await page.goto(`http://attacker.test:${attacker}/frame?src=${encodeURIComponent(src)}`);
    await page.waitForFunction(() => document.title === "framed", undefined, { timeout: 30_000 });
    const child = page.frames().find((f) => f !== page.mainFrame())!;
    const text = await child.evaluate(() => document.body?.innerText ?? "").catch(() => "");
    await page.close();
    return text;
  };
  expect(await framed(`${base}/openapi.json`)).toContain("openapi");
  for (const path of ["/ui", "/ui/tasks", "/ui/tasks/TASK_ID", "/docs"]) {
    const text = await framed(base + path);
    expect(text, path).not.toMatch(/Topics|Tasks|TASK_ID|API reference/);
  }
});

it("a name rebound to 127.0.0.1 is refused: its page reads nothing and its same-origin writes change nothing", async () => {
  const { taskq, base } = await target({ allowedHosts: [] });
  const port = new URL(base).port;
  const before = await snapshot(taskq);
  const page = await browser.newPage();
  const res = await page.goto(`http://rebind.attacker.example:${port}/ui`);
  expect(res!.status()).toBe(403);
  expect(await page.textContent("body")).toContain("host-not-allowed");
  const answers = await page.evaluate(async () => {
    const send = (path: string, init?: RequestInit) => fetch(path, init).then(async (r) => [r.status, await r.text()]);
    return [
      await send("/tasks"),
      await send("/topics/email/pause", { method: "POST" }),
      await send("/ui/topics/email/pause", { method: "POST" }),
      await send("/tasks/TASK_ID/hold", { method: "POST" }),
    ];
  });
  for (const [status, text] of answers) {
    expect(status).toBe(403);
    expect(text).not.toContain("TASK_ID");
  }
  expect(await snapshot(taskq)).toBe(before);
  // by its address, the same browser reads it
  expect((await page.goto(`${base}/ui`))!.status()).toBe(200);
  await page.close();
});

it("the dashboard and /docs run under their CSP without a violation (and a foreign inline script is one)", async () => {
  const { base } = await target();
  const page = await browser.newPage();
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => (window as any).__violations.push(e.violatedDirective));
  });
  for (
    const path of [
      "/ui",
      "/ui/tasks",
      "/ui/tasks/TASK_ID",
      "/ui/new",
      "/ui/schedules",
      "/ui/schedules/FORM_SCHEDULE",
      "/docs",
      "/ui/tasks/nope",
    ]
  ) {
    await page.goto(base + path);
    expect(await page.evaluate(() => (window as any).__violations), path).toEqual([]);
  }
  await page.goto(`${base}/ui`);
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__ran = true";
    document.body.append(s);
  });
  await expect.poll(() => page.evaluate(() => (window as any).__violations)).toEqual(["script-src-elem"]);
  expect(await page.evaluate(() => (window as any).__ran)).toBeUndefined();
  await page.close();
});
