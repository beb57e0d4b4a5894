/**
 * The dashboard's error pages: a list link with a bad cursor says so and
 * links to the first page; an unknown page under /ui is the dashboard's HTML
 * 404 (the API's unknown routes stay JSON); and a page read while the store
 * does not answer (a frozen sqld, SIGSTOP as in remote.hang.test.ts) or
 * cannot be reached (a killed one) says that the data could not be read,
 * never that a write's outcome is unknown.
 */
import { Hono } from "hono";
import { afterEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { waitFor } from "./helpers.ts";
import { startSqld } from "./sqld.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function memoryStore(): TaskQ {
  const taskq = createTaskQ({ url: ":memory:" });
  cleanups.push(() => taskq.close());
  return taskq;
}

/** A page's status, content type and text. */
async function get(app: Hono, path: string) {
  const res = await app.request(path);
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

it("a list link with a bad cursor says the cursor is not valid and links to the first page with the same filters", async () => {
  const taskq = memoryStore();
  await taskq.createTask({ topic: "email" });
  const app = sokkaRoutes({ taskq });
  for (
    const [path, first] of [["/ui/tasks?cursor=zzz", "/ui/tasks"], [
      "/ui/tasks?topic=email&cursor=zzz",
      "/ui/tasks?topic=email",
    ]]
  ) {
    const page = await get(app, path);
    expect(page.status, path).toBe(400);
    expect(page.text, path).toContain(
      "This page's link is not valid: its cursor is not a cursor returned by listTasks.",
    );
    expect(page.text, path).toContain(`<a href="${first}"`);
    expect(page.text, path).not.toContain("Fix the filter above");
    // the form's fields are not what was wrong
    expect(page.text, path).not.toContain('aria-invalid="true"');
  }
  // a cursor of another listing (oldest first, shown newest first) too
  const asc = await taskq.listTasks({}, { limit: 1, order: "asc" });
  await taskq.createTask({ topic: "email" });
  const other = (await taskq.listTasks({}, { limit: 1, order: "asc" })).cursor!;
  expect(asc.data).toHaveLength(1);
  const page = await get(app, `/ui/tasks?order=desc&cursor=${other}`);
  expect(page.status).toBe(400);
  expect(page.text).toContain("its cursor belongs to a listing in asc order, not desc.");
  expect(page.text).toContain('<a href="/ui/tasks?order=desc"');
});

it("an unknown page under /ui is the dashboard's HTML 404 with a way back; the API's unknown routes stay JSON", async () => {
  const taskq = memoryStore();
  for (const prefix of ["", "/sokka"]) {
    const app = new Hono().route(prefix || "/", sokkaRoutes({ taskq }));
    for (const path of ["/ui/no/such/page", "/ui/tasks/a/b/c", "/ui/topics"]) {
      const page = await get(app, prefix + path);
      expect(page.status, path).toBe(404);
      expect(page.type, path).toMatch(/^text\/html/);
      expect(page.text, path).toContain("<h1>Not found</h1>");
      expect(page.text, path).toContain(`There is no dashboard page at ${prefix}${path}.`);
      expect(page.text, path).toContain(`<a href="${prefix}/ui">Back to the overview</a>`);
    }
    const api = await get(app, `${prefix}/no/such/route`);
    expect(api.status).toBe(404);
    expect(JSON.parse(api.text).error).toMatchObject({ code: "route-not-found" });
    // a page with a trailing slash is the page, redirected (its query kept); a page that does not exist stays 404
    for (const [path, to] of [["/ui/", "/ui"], ["/ui/tasks/?topic=email", "/ui/tasks?topic=email"]]) {
      const res = await app.request(prefix + path);
      expect(res.status, path).toBe(301);
      expect(new URL(res.headers.get("location")!).pathname + new URL(res.headers.get("location")!).search).toBe(
        prefix + to,
      );
    }
    expect((await get(app, `${prefix}/ui/no/such/page/`)).status).toBe(301); // then the 404 above
  }
});

it("a page read while the store does not answer, or cannot be reached, says the data could not be read", async () => {
  const sqld = await startSqld();
  cleanups.push(() => sqld.stop());
  const seeding = createTaskQ({ url: sqld.url });
  const t = await seeding.createTask({ topic: "email", taskGroupId: "g" });
  await seeding.close();
  // the dashboard's store, with a short requestTimeoutMs, open (its first call migrates) before the server stops
  const taskq = createTaskQ({ url: sqld.url, requestTimeoutMs: 1_000 });
  cleanups.push(() => taskq.close());
  await waitFor(() => taskq.task(t.taskId).then(Boolean, () => false), 30_000, "the store open");
  const app = sokkaRoutes({ taskq });
  const pages = ["/ui", "/ui/tasks", "/ui/topics/email", `/ui/tasks/${t.taskId}`, "/ui/groups/g", "/ui/find?taskId=x"];
  const unreadable = async (why: string) => {
    // all at once: each read waits out its tries (3 × requestTimeoutMs) while frozen
    const got = await Promise.all(pages.map((path) => get(app, path)));
    for (const [i, path] of pages.entries()) {
      const page = got[i];
      expect(page.status, `${why} ${path}`).toBe(503);
      expect(page.type, path).toMatch(/^text\/html/);
      expect(page.text, path).toContain("<h1>The data could not be read</h1>");
      expect(page.text, path).toContain("The store is unavailable, so this page could not be read");
      expect(page.text, path).toContain(`<a href="${path.replace("&", "&amp;")}"`); // try again
      expect(page.text, `${why} ${path}`).not.toMatch(/\bwrite\b|outcome/i);
    }
    // the API's read says the same in its own words
    const api = await app.request(`/tasks/${t.taskId}`);
    expect(api.status).toBe(503);
    const { error } = await api.json();
    expect(error.message, why).not.toMatch(/\bwrite\b|outcome/i);
    return error;
  };

  process.kill(sqld.pid, "SIGSTOP");
  cleanups.push(() => sqld.kill()); // (before it is sent SIGCONT below: a frozen server is killed all the same)
  expect(await unreadable("frozen")).toMatchObject({
    code: "store-timeout",
    message: expect.stringContaining("the data could not be read (nothing was changed)"),
  });
  process.kill(sqld.pid, "SIGCONT");
  await sqld.kill();
  expect(await unreadable("killed")).toMatchObject({
    code: "store-unavailable",
    message: expect.stringContaining("the database server could not be reached"),
  });
});

it("a dashboard form whose body cannot be read is a 400 that says so, never a 500, and changes nothing", async () => {
  const taskq = memoryStore();
  const t = await taskq.createTask({ topic: "a" });
  const app = sokkaRoutes({ taskq });
  for (const path of ["/ui/topics/pause", "/ui/topics/a/pause", "/ui/tasks", `/ui/tasks/${t.taskId}/hold`]) {
    for (const type of ["multipart/form-data", "multipart/form-data; boundary=X"]) {
      const res = await app.request(path, { method: "POST", headers: { "content-type": type }, body: "garbage" });
      expect(res.status, `${path} ${type}`).toBe(400);
      expect(await res.text()).toContain("body could not be read");
    }
  }
  expect((await taskq.topicStats())[0]).toMatchObject({ topic: "a", paused: false });
  expect(await taskq.task(t.taskId)).toEqual(t);
  expect(await taskq.countTasks()).toBe(1);
});

it("a notice key that is not an action's (a built-in property name included) shows no banner", async () => {
  const taskq = memoryStore();
  const app = sokkaRoutes({ taskq });
  for (const key of ["toString", "constructor", "__proto__", "nope"]) {
    const { status, text } = await get(app, `/ui?notice=${key}`);
    expect(status, key).toBe(200);
    expect(text, key).not.toContain('class="notice"');
    expect(text, key).not.toContain("native code");
  }
  const { text } = await get(app, "/ui?notice=paused");
  expect(text).toContain('class="notice"');
});
