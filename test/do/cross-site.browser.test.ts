/**
 * Cross-site writes against the routes a Durable Object serves, in a real
 * browser (Debian's Chromium driven by playwright-core) and workerd: a page of
 * another site (`attacker.test`, resolved to 127.0.0.1 by the browser) and of
 * the same site on another port sends a no-cors fetch to every POST route of
 * the OpenAPI document, and posts a form to every dashboard action, at the
 * example's object of one key (examples/cloudflare/durable-object.ts). Nothing
 * changes in the object's store. The same plan sent from the dashboard's own
 * origin in the same browser does change it (so the attack is real). Fails,
 * never skips, when Chromium is missing.
 */
import { Hono } from "hono";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium, listen } from "../browser.ts";
import { uniq } from "../helpers.ts";
import { attackPage, attackPlan } from "../cross-site-attack.ts";
import { startWorkerdDo, type WorkerdDo } from "./workerd-do.ts";

type Json = Record<string, any>;
let wd: WorkerdDo;
let browser: Browser;
let attacker: { port: number; close(): void };

beforeAll(async () => {
  wd = await startWorkerdDo();
  const evil = new Hono().get("/attack", (c) => c.html(attackPage(c.req.query("target")!)));
  attacker = await listen(evil.fetch);
  browser = await launchChromium(["--host-resolver-rules=MAP attacker.test 127.0.0.1"]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  attacker?.close();
  await wd?.stop();
});

/** A key's object with tasks and schedules the plan's writes name; its routes' base URL. */
async function seeded(): Promise<string> {
  const base = `${wd.base}/queues/${uniq("xs")}/sokka`;
  const send = async (method: string, path: string, body: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
  };
  await send("PUT", "/schedules/nightly-report", { cron: "@daily", topic: "reports" });
  await send("PUT", "/schedules/FORM_SCHEDULE", { cron: "0 0 1 1 *", topic: "forms" });
  await send("POST", "/tasks", { topic: "email", taskId: "TASK_ID", taskGroupId: "GROUP_ID" });
  await send("POST", "/tasks", { topic: "forms", taskId: "FORM_TASK" });
  return base;
}

/** What the object's store holds, read over its routes. */
async function snapshot(base: string): Promise<string> {
  const get = async (path: string) => (await fetch(base + path)).json();
  const topics = (await get("/topics")).data.map(({ oldestReadyAgeMs: _age, ...rest }: Json) => rest);
  return JSON.stringify([await get("/tasks?limit=1000"), topics, await get("/schedules")]);
}

async function attackFrom(origin: string, base: string): Promise<void> {
  const page = await browser.newPage();
  await page.goto(`${origin}/attack?target=${encodeURIComponent(base)}`);
  await page.waitForFunction(() => document.title === "done", undefined, { timeout: 30_000 });
  await page.close();
}

it("no-cors fetches and form posts from another site, or the same site on another port, change nothing", async () => {
  const base = await seeded();
  const before = await snapshot(base);
  expect(before).toContain("TASK_ID");
  for (const origin of [`http://attacker.test:${attacker.port}`, `http://127.0.0.1:${attacker.port}`]) {
    await attackFrom(origin, base);
    expect(await snapshot(base), origin).toBe(before);
  }
});

it("the same plan sent from the object's own origin does change its store (the attack is real)", async () => {
  const base = await seeded();
  const before = await snapshot(base);
  const plan = attackPlan();
  const page = await browser.newPage();
  await page.goto(`${base}/ui`);
  // the fetches from the dashboard's page; the forms posted from it as a person would (the dashboard's CSP
  // allows no frames, so not into frames)
  await page.evaluate(
    (p) =>
      Promise.allSettled(
        p.fetches.map((f) => fetch(p.target + f.path, { method: f.method, ...(f.body ? { body: f.body } : {}) })),
      ),
    { target: base, fetches: plan.fetches },
  );
  for (const form of plan.forms) {
    await page.goto(`${base}/ui`);
    await Promise.all([
      page.waitForNavigation(),
      page.evaluate((f) => {
        const el = document.createElement("form");
        el.method = "post";
        el.action = f.action;
        for (const [k, v] of Object.entries(f.fields)) {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = k;
          input.value = v as string;
          el.append(input);
        }
        document.body.append(el);
        el.submit();
      }, { action: base + form.path, fields: form.fields }),
    ]);
  }
  await page.close();
  expect(await snapshot(base)).not.toBe(before);
  const get = async (path: string) => (await fetch(base + path)).json();
  expect((await get("/tasks/TASK_ID")).recordVer, "a fetch acted").toBeGreaterThan(1);
  expect((await get("/tasks?topic=forms")).data.length, "a form post created a task").toBe(2);
  expect((await get("/schedules/FORM_SCHEDULE")).paused, "a form post paused a schedule").toBe(true);
});
