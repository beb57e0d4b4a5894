// A process of the pickup-latency benchmark (bench/pickup.mjs).
//   node bench/pickup-child.mjs workers <url> <topic>...  one default worker per topic; prints "ready",
//        then "start <topic> <epoch ms>" when each task starts; stops on SIGTERM
//   node bench/pickup-child.mjs idle-cpu <url> <ms>       one default worker idle for <ms>; prints
//        JSON { cpuMs, ms } (user + system CPU of the whole process over that time)
import { createTaskQ, ok, worker } from "../dist/mod.js";

const [mode, url, ...rest] = process.argv.slice(2);
// SOKKA_FILE_EVENTS=0: without the OS's file events (the poll of PRAGMA data_version alone)
const taskq = createTaskQ({
  url,
  driver: process.env.SOKKA_DRIVER || undefined,
  fileEvents: process.env.SOKKA_FILE_EVENTS !== "0",
});
const clock = () => performance.timeOrigin + performance.now();
await taskq.createTask({ topic: "pickup-warm-up" }); // the schema exists before any worker idles

if (mode === "workers") {
  const ws = rest.map((topic) =>
    worker({
      taskq,
      topic,
      pfn: () => {
        process.stdout.write(`start ${topic} ${clock()}\n`);
        return ok();
      },
    })
  );
  process.on("SIGTERM", async () => {
    await Promise.all(ws.map((w) => w.stop()));
    await taskq.close();
    process.exit(0);
  });
  process.stdout.write("ready\n");
} else if (mode === "idle-cpu") {
  const ms = Number(rest[0]);
  const w = worker({ taskq, topic: "idle", pfn: () => ok() });
  await new Promise((r) => setTimeout(r, 1000)); // settle: the first reservation and wait are under way
  const cpu0 = process.cpuUsage();
  const t0 = clock();
  await new Promise((r) => setTimeout(r, ms));
  const cpu = process.cpuUsage(cpu0);
  const elapsed = clock() - t0;
  await w.stop();
  await taskq.close();
  process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, ms: elapsed }) + "\n");
}
