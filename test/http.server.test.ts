/** A plain fetch() loop consumes a topic through a real HTTP server (@hono/node-server). */
import { serve } from "@hono/node-server";
import { afterEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
// @ts-expect-error: a plain .mjs example without types
import { consume } from "../examples/pull-consumer.mjs";
import { tempDbUrl } from "./helpers.ts";

let close: () => Promise<void> = async () => {};
afterEach(() => close());

async function start(taskq: TaskQ): Promise<string> {
  const { Hono } = await import("hono");
  const app = new Hono().route("/sokka", sokkaRoutes({ taskq }));
  return new Promise((resolve) => {
    const server = serve(
      { fetch: app.fetch, hostname: "127.0.0.1", port: 0 },
      (info) => resolve(`http://127.0.0.1:${info.port}/sokka`),
    );
    close = () => new Promise((r) => server.close(() => r()));
  });
}

it("a fetch loop pulls every task of a topic and completes, fails or snoozes it", async () => {
  const db = tempDbUrl();
  const taskq = createTaskQ({ url: db.url });
  try {
    const tasks = await taskq.createTasks(Array.from({ length: 30 }, (_, i) => ({ topic: "pull", data: i })));
    const base = await start(taskq);
    const handled = await consume(base, "pull", {
      pid: "puller",
      handle: async (task: { data: number }) =>
        task.data % 10 === 0 ? { fail: "tens fail" } : task.data % 10 === 1 ? { snooze: 600_000 } : "complete",
    });
    expect(handled).toBe(30);
    const after = await Promise.all(tasks.map((t) => taskq.task(t.taskId)));
    expect(after.filter((t) => t!.status === "terminated").length).toBe(24);
    expect(after.filter((t) => t!.status === "failed").every((t) => t!.error === "tens fail")).toBe(true);
    expect(after.filter((t) => t!.status === "snoozed").length).toBe(3);
    expect(after.every((t) => t!.attempts === 1)).toBe(true);
  } finally {
    await close();
    await taskq.close();
    db.cleanup();
  }
});

it("over real HTTP, a body over maxBodyBytes is 413 whether it comes with a Content-Length or chunked", async () => {
  const taskq = createTaskQ({ url: ":memory:" });
  try {
    const { Hono } = await import("hono");
    const app = new Hono().route("/sokka", sokkaRoutes({ taskq, maxBodyBytes: 4096 }));
    const base = await new Promise<string>((resolve) => {
      const server = serve(
        { fetch: app.fetch, hostname: "127.0.0.1", port: 0 },
        (info) => resolve(`http://127.0.0.1:${info.port}/sokka`),
      );
      close = () => new Promise((r) => server.close(() => r()));
    });
    const body = JSON.stringify({ topic: "t", data: "x".repeat(5000) });
    const sized = await fetch(`${base}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(body.length) },
      body,
    });
    expect(sized.status).toBe(413);
    expect((await sized.json()).error).toMatchObject({ type: "too-large", code: "data-too-large" });
    const bytes = new TextEncoder().encode(body);
    const chunked = await fetch(`${base}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(c) {
          c.enqueue(bytes.slice(0, 3000));
          c.enqueue(bytes.slice(3000));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const ok = await fetch(`${base}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "t", data: "small" }),
    });
    expect(ok.status).toBe(201);
    expect(await taskq.countTasks()).toBe(1);
  } finally {
    await close();
    await taskq.close();
  }
});

it("over real HTTP, topics named . and .. are paused and resumed with the topic in the body, from the API and the dashboard's own buttons", async () => {
  const taskq = createTaskQ({ url: ":memory:" });
  try {
    await taskq.createTasks([{ topic: "." }, { topic: ".." }, { topic: "a" }]);
    const base = await start(taskq);
    const paused = async () =>
      Object.fromEntries((await taskq.topicStats()).map((s) => [s.topic, s.paused])) as Record<string, boolean>;
    const none = { ".": false, "..": false, a: false };
    // in the path they never arrive: fetch resolves ".", "..", "%2E" and "%2E%2E" as dot segments before sending
    for (const seg of [".", "..", "%2E", "%2E%2E", "%2e."]) {
      const res = await fetch(`${base}/topics/${seg}/pause`, { method: "POST" });
      expect(res.status, seg).not.toBe(204);
      await res.body?.cancel();
    }
    expect(await paused()).toEqual(none);
    const send = (action: string, body: unknown) =>
      fetch(`${base}/topics/${action}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    for (const topic of [".", ".."]) {
      expect((await send("pause", { topic })).status, topic).toBe(204);
      expect((await paused())[topic], topic).toBe(true);
    }
    expect(await paused()).toEqual({ ".": true, "..": true, a: false });
    for (const topic of [".", ".."]) expect((await send("resume", { topic })).status, topic).toBe(204);
    expect(await paused()).toEqual(none);
    const refused = await send("pause", {});
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.issues[0].path).toBe("topic");

    // the dashboard: each topic's button posts its own form to the action its page names, with the topic as its value
    for (const topic of [".", ".."]) {
      const overview = await (await fetch(`${base}/ui`)).text();
      const button = [...overview.matchAll(/<button[^>]*formaction="([^"]+)"[^>]*name="topic" value="([^"]*)"/g)]
        .find((m) => m[2] === topic);
      expect(button, topic).toBeDefined();
      const form = overview.match(/<form method="post">([\s\S]*?)<\/form>/)![1];
      const fields = new URLSearchParams(
        [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
      );
      fields.set("topic", topic);
      const res = await fetch(new URL(button![1], `${base}/ui`), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: fields.toString(),
        redirect: "manual",
      });
      expect(res.status, topic).toBe(303);
      expect(res.headers.get("location"), topic).toMatch(/notice=paused/);
      expect((await paused())[topic], topic).toBe(true);
    }
    expect(await paused()).toEqual({ ".": true, "..": true, a: false });
  } finally {
    await close();
    await taskq.close();
  }
});
