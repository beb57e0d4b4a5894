// `npm start`: a local sokka server on an embedded file:sokka.db — the HTTP
// API at /, a demo worker on a few example topics, and a trickle of demo
// tasks so a newcomer sees tasks move. Port from PORT (default 8787).
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createTaskQ, failed, ok, snoozed, sokkaRoutes, worker } from "../dist/mod.js";

const port = Number(process.env.PORT ?? 8787);
const taskq = createTaskQ({ url: process.env.SOKKA_URL ?? "file:sokka.db" });
const app = new Hono().route("/", sokkaRoutes({ taskq }));

const sleep = (ms, signal) => new Promise((r) => { const t = setTimeout(r, ms); signal.addEventListener("abort", () => (clearTimeout(t), r()), { once: true }); });
const topics = {
  email: async (task, { signal }) => (await sleep(300 + Math.random() * 700, signal), Math.random() < 0.1 ? failed({ errorMessage: "mailbox full" }) : ok()),
  thumbnails: async (task, { signal }) => (await sleep(800 + Math.random() * 1500, signal), task.attempts < 2 && Math.random() < 0.3 ? snoozed({ snoozeTime: 3000 }) : ok()),
};
const workers = Object.entries(topics).map(([topic, pfn]) => worker({ taskq, topic, pfn, concurrency: 2, leaseTimeMs: 10_000, maxPollIntervalMs: 1000 }));

let n = 0;
const trickle = setInterval(() => {
  const topic = n++ % 3 === 0 ? "thumbnails" : "email";
  const data = topic === "email" ? { to: `user${n}@example.com`, subject: "Hello" } : { image: `photo-${n}.jpg`, size: 256 };
  taskq.createTask({ topic, data, taskDescription: `demo ${topic} #${n}` }).catch((e) => console.error(e.message));
}, 1500);

const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info) => {
  console.log(`sokka demo on http://127.0.0.1:${info.port}  (API: /tasks, /topics/:topic/reserve, …; data in sokka.db)`);
  console.log(`try: curl 'http://127.0.0.1:${info.port}/tasks?limit=5'`);
});

const shutdown = async () => {
  clearInterval(trickle);
  await Promise.all(workers.map((w) => w.stop()));
  server.close();
  await taskq.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
