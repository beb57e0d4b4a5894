// @ts-check
// The demo of `npm start`, shared by the Node, Bun and Deno entries: a
// TaskQ on an embedded file:sokka.db, the routes (API at /, dashboard at
// /ui), a demo worker on two topics, a trickle of demo tasks and a demo schedule.
import { Hono } from "hono";
import { createTaskQ, failed, ok, snoozed, worker } from "sokka";
import { sokkaRoutes } from "sokka/http";

/**
 * Starts the demo's store, workers and trickle; returns the app and how to stop it all.
 * `allowedHosts` and `allowedOrigins` go to `sokkaRoutes` (names it answers to, other sites that may write).
 * @param {{ url?: string, allowedHosts?: string[], allowedOrigins?: string[] }} [options]
 */
export function createDemo({ url = "file:sokka.db", allowedHosts = [], allowedOrigins = [] } = {}) {
  const taskq = createTaskQ({ url });
  /** @type {Hono} */
  let routes;
  try {
    routes = sokkaRoutes({ taskq, allowedHosts, allowedOrigins }); // refuses a malformed name or origin
  } catch (e) {
    void taskq.close();
    throw e;
  }
  // the redirect first: the routes answer every other path (unknown ones with a JSON 404)
  const app = new Hono().get("/", (c) => c.redirect("/ui")).route("/", routes);

  /** @type {(ms: number, signal: AbortSignal) => Promise<void>} */
  const sleep = (ms, signal) =>
    new Promise((r) => {
      const t = setTimeout(r, ms);
      signal.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
    });
  /** @type {Record<string, import("sokka").ProcessorFn>} */
  const topics = {
    email: async (_task, { signal }) => (
      await sleep(300 + Math.random() * 700, signal),
        Math.random() < 0.1 ? failed({ errorMessage: "mailbox full" }) : ok()
    ),
    thumbnails: async (task, { signal }) => (
      await sleep(800 + Math.random() * 1500, signal),
        task.attempts < 2 && Math.random() < 0.3 ? snoozed({ snoozeTime: 3000 }) : ok()
    ),
  };
  const workers = Object.entries(topics).map(([topic, pfn]) =>
    worker({ taskq, topic, pfn, concurrency: 2, leaseTimeMs: 10_000, maxPollIntervalMs: 1000 })
  );
  /** @type {string[]} */
  const released = [];
  for (const w of workers) {
    w.addEventListener("released", (e) => released.push(`${e.detail.taskId} (${e.detail.topic})`));
  }
  // a schedule: a digest every 30 s on the email topic, fired by its worker (see /ui/schedules)
  taskq.schedule({
    name: "demo-digest",
    cron: "*/30 * * * * *",
    topic: "email",
    data: { to: "team@example.com", subject: "Digest" },
    taskDescription: "demo digest, every 30 s",
  }).catch((e) => console.error(e.message));
  let n = 0;
  const trickle = setInterval(() => {
    const topic = n++ % 3 === 0 ? "thumbnails" : "email";
    const data = topic === "email"
      ? { to: `user${n}@example.com`, subject: "Hello" }
      : { image: `photo-${n}.jpg`, size: 256 };
    taskq.createTask({ topic, data, taskDescription: `demo ${topic} #${n}` }).catch((e) => console.error(e.message));
  }, 1500);

  return {
    app,
    url,
    /** Stops the trickle and the workers (they hand running tasks back), closes the store; says what was handed back. */
    async stop() {
      clearInterval(trickle);
      await Promise.all(workers.map((w) => w.stop()));
      await taskq.close();
      return released.length
        ? `stopped: handed back ${released.length} running task(s), another worker takes them at once: ${
          released.join(", ")
        }`
        : "stopped: no task was running; nothing to hand back";
    },
  };
}

/**
 * The line `npm start` prints: where to look, and which database it is on (the URL without its query,
 * where a token could be).
 * @param {number} port @param {string} url
 */
export const banner = (port, url) =>
  `sokka demo on http://127.0.0.1:${port}/ui  (API at /tasks, /topics/:topic/reserve, …; data in ${
    url.replace(/\?.*$/s, "")
  })`;
