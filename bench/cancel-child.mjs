// A worker process of the cancel-latency benchmark (bench/cancel.mjs).
//   node bench/cancel-child.mjs <url> <topic>
// One worker (a 10-minute lease: no keepalive comes during the run) whose function waits for its signal;
// prints "ready", "start <taskId>" when a task starts and "abort <taskId> <epoch ms> <reason>" when its
// signal aborts. Stops on SIGTERM.
import { createTaskQ, ok, worker } from "../dist/mod.js";

const [url, topic] = process.argv.slice(2);
const taskq = createTaskQ({ url, driver: process.env.SOKKA_DRIVER || undefined });
taskq.addEventListener("warning", (e) => e.preventDefault());
const clock = () => performance.timeOrigin + performance.now();
const w = worker({
  taskq,
  topic,
  leaseTimeMs: 600_000,
  pfn: async (task, { signal }) => {
    process.stdout.write(`start ${task.taskId}\n`);
    await new Promise((r) => signal.addEventListener("abort", r));
    process.stdout.write(`abort ${task.taskId} ${clock()} ${signal.reason?.name}\n`);
    return ok();
  },
});
process.on("SIGTERM", async () => {
  await w.stop();
  await taskq.close();
  process.exit(0);
});
process.stdout.write("ready\n");
