// What every measurement of `npm run bench:peers` shares. A queue's file (sokka.mjs, plainjob.mjs,
// bullmq.mjs, graphile-worker.mjs, pg-boss.mjs) is run by run.mjs as a fresh process for exactly ONE
// measurement on a fresh database and prints one line:
//   RESULT {"test": ..., "ops": N, "seconds": s, "rate": ops/s}          (process, enqueue, bulk)
//   RESULT {"test": "pickup", "ms": [latency, …]}                         (pickup)
// The tests:
//   process   N tasks created first (untimed, in bulk), then ONE worker, concurrency 32, no-op handler:
//             timed from starting the worker until the store says all N are done
//   enqueue   N tasks created one at a time, each awaited
//   bulk      N tasks created in one bulk call
//   pickup    an idle worker (concurrency 1) in a second process; this process creates one task at a
//             time, after a random pause of 0.1 to 1.1 s: the time from before the create call to the
//             handler's start in the other process
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";

export const CONCURRENCY = 32;

/** The options every queue's file takes (run.mjs passes them). */
export function options(extra = {}) {
  const { values } = parseArgs({
    options: {
      test: { type: "string" },
      n: { type: "string", default: "10000" },
      url: { type: "string" }, // the database: a file path, a redis:// or a postgres:// URL
      pickups: { type: "string", default: "30" },
      "pickup-gap": { type: "string", default: "100" }, // least ms the worker idles before each pickup (+ 0–1 s)
      child: { type: "boolean", default: false }, // internal: the worker process of the pickup test
      ...extra,
    },
    strict: true,
  });
  // The pickup test's worker process leaves with its parent, whatever ended the parent.
  if (values.child) process.on("disconnect", () => process.exit(0));
  return {
    ...values,
    n: Number(values.n),
    pickups: Number(values.pickups),
    gap: Number(values["pickup-gap"]),
  };
}

/** One measurement can never hang the run: it exits after `seconds`. */
export function watchdog(seconds, cleanup = () => {}) {
  setTimeout(() => {
    try {
      cleanup();
    } catch { /* exiting anyway */ }
    console.error(`watchdog: the measurement ran past ${seconds} s`);
    process.exit(3);
  }, seconds * 1000).unref();
}

export const now = () => process.hrtime.bigint();
export const secondsSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
/**
 * Epoch milliseconds, read the same way in both processes of the pickup test. Not performance.timeOrigin +
 * performance.now(): each process fixes its timeOrigin once at start, and on a loaded machine two
 * processes' origins were seen 20 ms apart (BullMQ's pickups came out negative); Date.now() is 1 ms coarse
 * but shares one wall clock.
 */
export const clock = () => Date.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function report(fields) {
  const out = { ...fields };
  if (out.ops != null && out.seconds != null) out.rate = out.ops / out.seconds;
  console.log("RESULT " + JSON.stringify(out));
}

/** Polls `fn` every `ms` until it returns true (used where a queue's own event fires before its write commits). */
export async function until(fn, ms = 2) {
  while (!(await fn())) await sleep(ms);
}

export function check(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(
      `check failed: ${what}: expected ${expected}, got ${actual}`,
    );
  }
}

export function removeDb(path) {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    rmSync(path + suffix, { force: true });
  }
}

export const silentLogger = {
  debug() {},
  info() {},
  warn: (...a) => console.error(...a),
  error: (...a) => console.error(...a),
};

/**
 * The pickup test, the same for every queue. `self` is the queue's file; `create(i)` creates task i
 * (its data is `{ i }`) and is awaited. The worker process is the same file with `--child`: it starts
 * an idle worker whose handler calls `started(i)`, then prints "ready".
 */
export async function pickup(self, argv, opt, create) {
  const child = spawn(process.execPath, [self, ...argv, "--child"], {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  process.on("exit", () => child.kill("SIGKILL"));
  const starts = new Map();
  let ready, waiting = null, buf = "";
  const isReady = new Promise((r) => (ready = r));
  child.stdout.on("data", (d) => {
    buf += d;
    let at;
    while ((at = buf.indexOf("\n")) !== -1) {
      const line = buf.slice(0, at);
      buf = buf.slice(at + 1);
      if (line === "ready") ready();
      const m = /^start (\d+) (\d+)$/.exec(line);
      if (m) {
        starts.set(Number(m[1]), Number(m[2]));
        waiting?.();
      }
    }
  });
  child.once("exit", (code) => {
    if (starts.size < opt.pickups) {
      console.error(
        `the worker process exited (${code}) after ${starts.size} pickups`,
      );
      process.exit(1);
    }
  });
  await isReady;
  await sleep(1000); // settle: the worker's first fetch is done and it idles
  const ms = [];
  for (let i = 0; i < opt.pickups; i++) {
    // A random pause: a fixed one falls into step with a worker that polls at a fixed period (sokka's
    // cross-process read every 100 ms, plainjob's 1 s poll) and measures the same phase every time.
    await sleep(opt.gap + Math.random() * 1000);
    const t0 = clock();
    await create(i);
    while (!starts.has(i)) await new Promise((r) => (waiting = r));
    waiting = null;
    ms.push(starts.get(i) - t0);
  }
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return ms;
}

/** In the worker process of the pickup test: what the handler calls when task i starts. */
export const started = (i) => process.stdout.write(`start ${i} ${clock()}\n`);
