// A/B of the SQLite drivers by CPU time (process.cpuUsage) of each phase, which a
// loaded machine disturbs far less than wall time: node bench/driver-ab.mjs <driver> <phase>
// phases: e2e (10,000 queued tasks, a worker at concurrency 32, no-op), create (5,000 one by one),
// bulk (createTasks of 10,000 in one call). Prints { perSec (wall), cpuPerSec (tasks per CPU second) }.
// Against an older commit (what docs/store.md's "SQLite drivers" compares with):
//   git worktree add /tmp/old 4dd1560 && ln -s "$PWD/node_modules" /tmp/old/ && (cd /tmp/old && npx tsc -p tsconfig.build.json)
//   for i in 1 2 3 4 5; do SOKKA_DIST=/tmp/old/dist/mod.js node bench/driver-ab.mjs default e2e; node bench/driver-ab.mjs default e2e; done
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// SOKKA_DIST: another build's dist/mod.js (an older commit's, to A/B a release against this one; it may
// predate the `driver` option, the `warning` event and storeInfo()).
const { createTaskQ, ok, worker } = await import(process.env.SOKKA_DIST ?? "../dist/mod.js");

const [driver, phase] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), "sokka-ab-"));
const taskq = createTaskQ({ url: `file:${join(dir, "ab.db")}`, ...(driver === "default" ? {} : { driver }) });
taskq.addEventListener?.("warning", (e) => e.preventDefault());
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
    driver: taskq.storeInfo ? (await taskq.storeInfo()).driver : driver,
    phase,
    perSec: Math.round(N / wall * 1000),
    cpuPerSec: Math.round(N / ((c.user + c.system) / 1e6)),
  }),
);
await taskq.close();
rmSync(dir, { recursive: true, force: true });
