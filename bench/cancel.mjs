// `npm run bench:cancel`: how long a running task goes on after `cancelTask`, from the call to the
// moment its function's signal aborts, over CANCELS cancels each (one task running at a time, a
// 10-minute lease, so no keepalive comes during the run):
//   same process   the worker runs in the process that cancels (the store's in-process announcement)
//   other process  the worker runs in a child process on the same file: database (PRAGMA data_version,
//                  read every changePollMs, then one read of the running ids); each cancel after a random
//                  pause of 0 to changePollMs, so that it falls anywhere in the child's poll cycle
// Prints p50 / p99 / max per path beside its bound (50 ms; changePollMs + 50 ms) and exits 1 when a
// p99 is over it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTaskQ, ok, worker } from "../dist/mod.js";

const CANCELS = Number(process.env.CANCELS ?? 50);
const CHANGE_POLL_MS = 100; // the store's default changePollMs
const here = fileURLToPath(new URL(".", import.meta.url));
const clock = () => performance.timeOrigin + performance.now();
const dir = mkdtempSync(join(tmpdir(), "sokka-cancel-"));
const url = `file:${join(dir, "cancel.db")}`;
const taskq = createTaskQ({ url });
taskq.addEventListener("warning", (e) => e.preventDefault());
await taskq.countTasks();

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];

async function sameProcess() {
  let started;
  let aborted;
  const w = worker({
    taskq,
    topic: "here",
    leaseTimeMs: 600_000,
    pfn: async (_task, { signal }) => {
      started();
      await new Promise((r) => signal.addEventListener("abort", r));
      aborted(clock());
      return ok();
    },
  });
  const ms = [];
  for (let i = 0; i < CANCELS; i++) {
    const start = new Promise((r) => (started = r));
    const abort = new Promise((r) => (aborted = r));
    const t = await taskq.createTask({ topic: "here" });
    await start;
    const t0 = clock();
    await taskq.cancelTask(t.taskId);
    ms.push((await abort) - t0);
  }
  await w.stop();
  return ms;
}

async function otherProcess() {
  const child = spawn(process.execPath, [join(here, "cancel-child.mjs"), url, "there"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buf = "";
  const waiters = new Map();
  child.stdout.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const key = line.split(" ").slice(0, 2).join(" ");
      waiters.get(key)?.(line);
      waiters.delete(key);
    }
  });
  const line = (key) => new Promise((r) => waiters.set(key, r));
  await line("ready");
  const ms = [];
  for (let i = 0; i < CANCELS; i++) {
    const t = await taskq.createTask({ topic: "there" });
    await line(`start ${t.taskId}`);
    // a cancel comes at any moment of the child's poll cycle, not in step with the poll that started the task
    await new Promise((r) => setTimeout(r, Math.random() * CHANGE_POLL_MS));
    const abort = line(`abort ${t.taskId}`);
    const t0 = clock();
    await taskq.cancelTask(t.taskId);
    const [, , at, reason] = (await abort).split(" ");
    if (reason !== "CancelledError") throw new Error(`aborted by ${reason}`);
    ms.push(Number(at) - t0);
  }
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return ms;
}

const rows = [
  ["same process", await sameProcess(), 50],
  ["other process", await otherProcess(), CHANGE_POLL_MS + 50],
];
await taskq.close();
rmSync(dir, { recursive: true, force: true });

const f = (x) => x.toFixed(1);
console.log(`cancel → signal aborted, ${CANCELS} cancels each (ms)\n`);
console.log("| path | p50 | p99 | max | bound (p99) |\n| --- | ---: | ---: | ---: | ---: |");
let over = false;
for (const [name, ms, bound] of rows) {
  const p99 = quantile(ms, 0.99);
  over ||= p99 > bound;
  console.log(
    `| ${name} | ${f(quantile(ms, 0.5))} | ${f(p99)} | ${f(Math.max(...ms))} | ${bound}${p99 > bound ? " OVER" : ""} |`,
  );
}
process.exit(over ? 1 : 0);
