// @ts-check
// The smallest program: create a task on file:sokka.db, run a worker that
// completes it, print what happened.   node examples/quickstart.mjs
import { createTask, createTaskQ, ok, worker } from "sokka";

const taskq = createTaskQ({ url: "file:sokka.db" });
const created = await createTask(taskq, { topic: "greet", data: { name: "Ada" }, taskDescription: "say hello" });
console.log(`created   ${created.taskId} (${created.status})`);

/** @type {import("sokka").Worker} */
const w = worker({
  taskq,
  topic: "greet",
  maxPollIntervalMs: 500,
  /** @param {import("sokka").Task<{ name: string }>} task */
  pfn: (task) => {
    console.log(
      `running   ${task.taskId}: hello, ${task.data.name}! (attempt ${task.attempts}, lease ${task.leaseId})`,
    );
    return ok();
  },
});
const finished = new Promise((resolve) =>
  w.addEventListener("completed", (e) => e.detail.taskId === created.taskId && resolve(e.detail))
);
const done = await finished;
console.log(`completed ${done.taskId} (${done.status}, recordVer ${done.recordVer})`);
await w.stop();
await taskq.close();
