// A worker process of the benchmark.
//   node bench/child.mjs e2e <url> <topic> <concurrency>            → prints "ready", works from a line on stdin until SIGTERM
//   node bench/child.mjs rss <url> <topic> <total>                 → prints JSON { rssFirst, rssPeak } (MB)
import { createTaskQ, ok, worker } from "../dist/mod.js";

const [mode, url, topic, a, b] = process.argv.slice(2);
const taskq = createTaskQ({ url, driver: process.env.SOKKA_DRIVER || undefined });
const noop = () => ok();

if (mode === "e2e") {
  await taskq.countTasks(); // the store is open (schema read) before "ready"
  let w;
  process.on("SIGTERM", async () => {
    await w?.stop();
    await taskq.close();
    process.exit(0);
  });
  // the worker starts on "go" from the bench process, so start-up is not timed
  process.stdin.once("data", () => {
    w = worker({ taskq, topic, concurrency: Number(a), maxPollIntervalMs: 20, pfn: noop });
    w.addEventListener("error", (e) => console.error("bench worker error:", e.detail?.message ?? e.detail));
  });
  process.stdout.write("ready\n");
} else if (mode === "rss") {
  const total = Number(a);
  const w = worker({ taskq, topic, concurrency: 32, maxPollIntervalMs: 20, pfn: noop });
  let n = 0;
  let rssFirst = 0;
  let rssPeak = 0;
  let heapFirst = 0;
  await new Promise((resolve) =>
    w.addEventListener("completed", () => {
      n++;
      if (n % 500 === 0) {
        const rss = process.memoryUsage().rss / 2 ** 20;
        if (n === 1000) {
          rssFirst = rss;
          globalThis.gc?.();
          heapFirst = process.memoryUsage().heapUsed / 2 ** 20;
        }
        rssPeak = Math.max(rssPeak, rss);
      }
      if (n === total) resolve();
    })
  );
  await w.stop();
  globalThis.gc?.();
  const heapLast = process.memoryUsage().heapUsed / 2 ** 20;
  process.stdout.write(JSON.stringify({ rssFirst, rssPeak, heapFirst, heapLast }) + "\n");
  await taskq.close();
}
