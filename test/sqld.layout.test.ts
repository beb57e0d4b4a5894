/**
 * The sqld layout docs/scaling.md recommends for many writer processes
 * (`--use-custom-wal libsql-wal`) keeps what it answered: tasks created and
 * terminated through it are all there, in their states, after the server is
 * SIGKILLed and started again on its data. (Its throughput and the 8-process
 * soak are measured by bench/scaleout.mjs: `npm run soak`.)
 */
import { afterEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { RECOMMENDED_FLAGS, type Sqld, startSqld } from "./sqld.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function store(url: string): TaskQ {
  const taskq = createTaskQ({ url });
  cleanups.push(() => taskq.close());
  return taskq;
}

it("keeps every answered write across a SIGKILL of the server", async () => {
  let sqld: Sqld = await startSqld({ flags: RECOMMENDED_FLAGS });
  const { dir } = sqld;
  cleanups.push(() => sqld.stop());
  let taskq = store(sqld.url);
  const created = [];
  for (let i = 0; i < 5; i++) {
    created.push(
      ...await taskq.createTasks(Array.from({ length: 1000 }, (_, j) => ({ topic: "kept", data: i * 1000 + j }))),
    );
  }
  const reserved = await taskq.reserveTasks("kept", "p1", 700);
  const results = await taskq.applyWrites(
    reserved.slice(0, 500).map((t) => ({ op: "terminate" as const, taskId: t.taskId, pid: "p1", leaseId: t.leaseId! })),
  );
  expect(results.every((r) => "task" in r)).toBe(true);

  await sqld.kill();
  await taskq.close();
  sqld = await startSqld({ flags: RECOMMENDED_FLAGS, dir });
  taskq = store(sqld.url);

  expect(await taskq.countTasks({ topic: "kept" })).toBe(5000);
  expect(await taskq.countTasks({ topic: "kept", status: "terminated" })).toBe(500);
  expect(await taskq.countTasks({ topic: "kept", status: "running" })).toBe(200);
  expect(await taskq.countTasks({ topic: "kept", status: "starting" })).toBe(4300);
  const again = await taskq.task(created[4999].taskId);
  expect(again?.data).toBe(4999);
});
