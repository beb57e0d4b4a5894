/**
 * The dashboard's view of unique tasks, dependencies and group follow-ups,
 * as HTML answered by the routes (test/ui.flows.browser.test.ts drives them
 * in Chromium): the `blocked` status in the counts, totals and filters; a
 * task's unique key and policy, what it waits for (each dependency's status,
 * a link, a pruned one said to be), why a blocked task is not running, what
 * waits for it (paged by cursor); a follow-up's group; a group's follow-up.
 * Every key and id is escaped.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ, TestClock } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { STATUSES } from "../src/schemas.ts";
import { DEPENDANTS_PER_PAGE } from "../src/http/ui/task-dependencies.ts";
import { tempDbUrl } from "./helpers.ts";

const enc = encodeURIComponent;
const XSS = `<img src=x onerror=alert(1)>"'`;
/** A dependency's id and a unique key, each a payload. */
const HOSTILE_ID = `dep ${XSS}`;
const HOSTILE_KEY = `key ${XSS}`;
const HOSTILE_GROUP = `album ${XSS}`;
const escaped = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
let app: ReturnType<typeof sokkaRoutes>;
const clock = new TestClock();

beforeAll(async () => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url, clock });
  app = sokkaRoutes({ taskq });
  clock.set("2030-01-01T00:00:00Z");
  // a dependency that is pruned: its dependant shows it as such
  await taskq.createTask({ topic: "old", taskId: "gone-1" });
  await taskq.terminate("gone-1", "w");
  clock.shift(60_000);
  // load-1 waits for three tasks (one of them a payload), cancels itself if one fails
  await taskq.createTasks([
    { topic: "etl", taskId: "extract-1" },
    { topic: "etl", taskId: HOSTILE_ID },
    { topic: "etl", taskId: "lookup-1" },
    {
      topic: "etl",
      taskId: "load-1",
      dependsOn: ["extract-1", HOSTILE_ID, "lookup-1", "gone-1"],
      onDependencyFailure: "cancel",
    },
  ]);
  await taskq.terminate("extract-1", "w");
  expect(await taskq.pruneTasks({ olderThanMs: 30_000, topic: "old" })).toBe(1);
  // rerun-1 was failed by a dependency's failure, then re-run: it waits for the failed one to be re-run
  await taskq.createTasks([
    { topic: "etl", taskId: "flaky-1" },
    { topic: "etl", taskId: "slow-1" },
    { topic: "etl", taskId: "rerun-1", dependsOn: ["flaky-1", "slow-1"] },
  ]);
  await taskq.fail("flaky-1", "w", "boom");
  expect(await taskq.task("rerun-1")).toMatchObject({ status: "failed" });
  expect(await taskq.retryTask("rerun-1")).toMatchObject({ status: "blocked" });
  // a root with more dependants than a page
  await taskq.createTask({ topic: "fan", taskId: "root-1" });
  await taskq.createTasks(
    Array.from({ length: DEPENDANTS_PER_PAGE + 5 }, (_, i) => ({
      topic: "fan",
      taskId: `leaf-${String(i).padStart(2, "0")}`,
      dependsOn: ["root-1"],
    })),
  );
  // a unique task (debounce) with a payload key
  await taskq.createTask({
    topic: "sync",
    taskId: "sync-1",
    uniqueKey: HOSTILE_KEY,
    unique: { debounceMs: 5_000, maxWaitMs: 60_000 },
  });
  // a sealed group (a payload name) and an open one
  await taskq.createTasks(
    ["a", "b", "c"].map((x) => ({ topic: "resize", taskId: `img-${x}`, taskGroupId: HOSTILE_GROUP })),
  );
  await taskq.terminate("img-a", "w");
  await taskq.sealGroup(HOSTILE_GROUP, { topic: "notify", taskId: "notify-7" });
  await taskq.createTask({ topic: "resize", taskId: "img-open", taskGroupId: "open-group" });
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

/** The text of the element with `data-testid="id"` (up to its first closing tag of `tag`). */
function part(page: string, id: string, tag = "dd"): string {
  const start = page.indexOf(`data-testid="${id}"`);
  expect(start, id).toBeGreaterThan(-1);
  return page.slice(start, page.indexOf(`</${tag}>`, start));
}

it("counts blocked tasks per topic, in the totals, and filters the task list by it", async () => {
  expect(STATUSES).toContain("blocked");
  const overview = await get("/ui?prefix=etl");
  expect(overview).toContain('<th class="num">blocked</th>');
  const row = overview.slice(overview.indexOf('<tr\n      data-topic="etl"'));
  // load-1 and rerun-1
  expect(row).toContain('<td class="num" data-label="blocked"><a href="/ui/tasks?topic=etl&status=blocked">2</a>');
  const etl = (await taskq.topicStats()).find((s) => s.topic === "etl")!;
  const total = Object.values(etl.counts).reduce((a, b) => a + b, 0);
  expect(row).toContain(`<td class="num" data-label="total">${total}</td>`);
  const list = await get("/ui/tasks?topic=etl&status=blocked");
  expect(list).toContain('<option value="blocked" selected>blocked</option>');
  expect(list).toContain('data-testid="total">2 tasks match');
  expect([...list.matchAll(/<a class="clip" href="\/ui\/tasks\/([^"]+)"/g)].map((m) => m[1]).sort()).toEqual([
    "load-1",
    "rerun-1",
  ]);
  const topic = await get("/ui/topics/fan");
  expect(topic).toContain(
    `data-label="blocked"><a href="/ui/tasks?topic=fan&status=blocked">${DEPENDANTS_PER_PAGE + 5}</a>`,
  );
});

it("a blocked task's page says why it is not running and what it waits for, each dependency linked with its status", async () => {
  const page = await get("/ui/tasks/load-1");
  expect(page).toContain('<span class="badge blocked">blocked</span>');
  expect(part(page, "why-blocked", "p")).toContain("Not running: waiting for 2 of 4 dependencies.");
  expect(part(page, "on-dependency-failure")).toContain("cancel: a dependency ending failed or cancelled cancels");
  const waits = part(page, "waits-for", "ul");
  const items = [...waits.matchAll(/<li class="cell" data-status="([^"]+)">(.*?)<\/li>/gs)].map((m) => [m[1], m[2]]);
  expect(items.map(([s]) => s)).toEqual(["terminated", "starting", "starting", "pruned"]); // in the order given
  expect(items[0][1]).toContain('<a class="clip" href="/ui/tasks/extract-1" title="extract-1">extract-1</a>');
  // the payload id: escaped as text and as its title, encoded in the link
  expect(items[1][1]).toContain(
    `href="/ui/tasks/${escaped(enc(HOSTILE_ID))}" title="${escaped(HOSTILE_ID)}">${escaped(HOSTILE_ID)}</a>`,
  );
  expect(page).not.toContain(XSS);
  // a pruned dependency: said to be, not linked (its page is gone)
  expect(items[3][1]).toBe('<span class="muted">pruned</span><span class="clip" title="gone-1">gone-1</span>');
  // a blocked task can be cancelled, not held, failed or terminated
  expect(page).toContain('action="/ui/tasks/load-1/cancel"');
  for (const a of ["hold", "fail", "terminate", "retry"]) expect(page).not.toContain(`/load-1/${a}"`);
  expect(part(page, "unique-key")).toContain("—");
  expect(part(page, "waited-on-by", "p")).toContain("No task waits for it.");
});

it("a re-run dependant says that it waits for a failed dependency to be re-run", async () => {
  const page = await get("/ui/tasks/rerun-1");
  expect(part(page, "why-blocked", "p")).toContain(
    "Not running: waiting for 2 of 2 dependencies (1 of them ended failed or cancelled: it waits for it to be re-run).",
  );
  expect(part(page, "on-dependency-failure")).toContain("fail: a dependency ending failed or cancelled fails");
  const flaky = await get("/ui/tasks/flaky-1");
  expect(flaky).toContain("Re-run → starting</button>"); // no dependency of its own
  expect(part(flaky, "waited-on-by", "table")).toContain('href="/ui/tasks/rerun-1"');
});

it("what waits for a task: a page of its dependants, then the next by its cursor, and back", async () => {
  const first = await get("/ui/tasks/root-1");
  expect(first).not.toContain('data-testid="waits-for"'); // it waits for nothing
  const ids = (p: string) =>
    [...part(p, "waited-on-by", "table").matchAll(/<a class="clip" href="\/ui\/tasks\/([^"]+)"/g)].map((m) => m[1]);
  const leaves = Array.from({ length: DEPENDANTS_PER_PAGE + 5 }, (_, i) => `leaf-${String(i).padStart(2, "0")}`);
  expect(ids(first)).toEqual(leaves.slice(0, DEPENDANTS_PER_PAGE)); // task-id order
  const next = first.match(/<a href="([^"]+)" rel="next">More →<\/a>/)![1].replace(/&amp;/g, "&");
  expect(next).toMatch(/^\/ui\/tasks\/root-1\?dependants=/);
  const second = await get(next);
  expect(ids(second)).toEqual(leaves.slice(DEPENDANTS_PER_PAGE));
  expect(second).not.toContain('rel="next"');
  expect(second).toContain('<a href="/ui/tasks/root-1" rel="first">First page</a>');
  const prev = second.match(/<a href="([^"]+)" rel="prev">/)![1].replace(/&amp;/g, "&");
  expect(ids(await get(prev))).toEqual(leaves.slice(0, DEPENDANTS_PER_PAGE));
  // a link whose cursor is not one: the page says so (400) and links to the first page; the task is still shown
  const bad = await get("/ui/tasks/root-1?dependants=nonsense", 400);
  expect(part(bad, "waited-on-by", "div").replace(/\s+/g, " ")).toContain(
    "This page's link is not valid: its cursor is not a cursor returned by dependencies or dependants.",
  );
  expect(bad).toContain('<a href="/ui/tasks/root-1">Start from the first page</a>');
  expect(bad).toContain("<h1>Task root-1");
});

it("a unique task's page shows its key, escaped, and its policy in words", async () => {
  const page = await get("/ui/tasks/sync-1");
  const key = part(page, "unique-key");
  expect(key).toContain(`<code>${escaped(HOSTILE_KEY)}</code>`);
  expect(key).toContain("debounce: a new create moves its run to 5.0 s later, at most 1 min after its creation");
  expect(page).not.toContain(XSS);
  expect(page).not.toContain('data-testid="waits-for"');
  expect(page).not.toContain('data-testid="why-blocked"');
});

it("a follow-up's page names the group it follows, linked, and why it is blocked", async () => {
  const page = await get("/ui/tasks/notify-7");
  const group = `/ui/groups/${escaped(enc(HOSTILE_GROUP))}`;
  expect(part(page, "follow-up-of")).toContain(`group <a href="${group}">${escaped(HOSTILE_GROUP)}</a>`);
  expect(part(page, "why-blocked", "p")).toContain(
    `Not running: waiting for the tasks of group ${escaped(HOSTILE_GROUP)} (as it was sealed) to end.`,
  );
  expect(part(page, "waits-for", "p")).toContain(`<a href="${group}">`);
  expect(part(page, "on-dependency-failure")).toContain("run: it runs once every dependency has ended");
  expect(page).not.toContain(XSS);
  // and each task of the group has it among what waits for it
  expect(part(await get("/ui/tasks/img-b"), "waited-on-by", "table")).toContain('href="/ui/tasks/notify-7"');
});

it("a group's page shows its follow-up with its status, or that it is not sealed", async () => {
  const sealed = await get(`/ui/groups/${enc(HOSTILE_GROUP)}`);
  const card = part(sealed, "follow-up", "div");
  expect(card).toContain('<span class="badge blocked">blocked</span>');
  expect(card).toContain('<a class="clip" href="/ui/tasks/notify-7" title="notify-7">notify-7</a>');
  expect(sealed).toContain("it runs once the tasks the group had when it was sealed have ended");
  expect(sealed).toContain('data-testid="total">3 tasks');
  expect(sealed).not.toContain(XSS);
  const open = await get("/ui/groups/open-group");
  expect(part(open, "follow-up", "p")).toContain("Not sealed: the group has no follow-up.");
  // once the group's tasks end, the follow-up starts: the card says it no longer waits
  await taskq.terminate("img-b", "w");
  await taskq.cancelTask("img-c");
  expect(await taskq.task("notify-7")).toMatchObject({ status: "starting" });
  const done = await get(`/ui/groups/${enc(HOSTILE_GROUP)}`);
  expect(part(done, "follow-up", "div")).toContain('<span class="badge starting">starting</span>');
  expect(done).toContain("made when the group was sealed, it waited for the tasks the group had then");
});
