// A/B of the SQLite drivers by CPU time (process.cpuUsage) of each phase, which a
// loaded machine disturbs far less than wall time: node bench/driver-ab.mjs <driver> <phase>
// phases: e2e (10,000 queued tasks, a worker at concurrency 32, no-op), create (5,000 one by one),
// bulk (createTasks of 10,000 in one call). Prints { perSec (wall), cpuPerSec (tasks per CPU second) }.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTaskQ, ok, worker } from "../dist/mod.js";

const [driver, phase] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), "sokka-ab-"));
const taskq = createTaskQ({ url: `file:${join(dir, "ab.db")}`, driver: driver === "default" ? undefined : driver });
taskq.addEventListener("warning", (e) => e.preventDefault());
await taskq.countTasks();
const N = { e2e: 10_000, create: 5_000, bulk: 10_000 }[phase];
if (phase === "e2e") await taskq.createTasks(Array.from({ length: N }, () => ({ topic: "bench" })));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
if (phase === "e2e") {
  let n = 0;
  await new Promise((resolve) => {
    const w = worker({ taskq, topic: "bench", concurrency: 32, pfn: () => ok() });
    w.addEventListener("completed", () => ++n === N && resolve(w.stop()));
  });
} else if (phase === "create") {
  for (let i = 0; i < N; i++) await taskq.createTask({ topic: "bench", data: { i } });
} else {
  await taskq.createTasks(Array.from({ length: N }, (_, i) => ({ topic: "bench", data: { i } })));
}
const wall = performance.now() - t0;
const c = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    driver: (await taskq.storeInfo()).driver,
    phase,
    perSec: Math.round(N / wall * 1000),
    cpuPerSec: Math.round(N / ((c.user + c.system) / 1e6)),
  }),
);
await taskq.close();
rmSync(dir, { recursive: true, force: true });
