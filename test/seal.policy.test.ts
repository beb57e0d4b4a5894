/**
 * A core bug found while building the seal route (issue 30): `sealGroup`
 * refuses a follow-up's own `onDependencyFailure`, though it documents the
 * default as "run" ("onDependencyFailure defaults to run here") and reads
 * `followUp.onDependencyFailure ?? "run"` (src/libsql/groups.ts). `toNode`
 * (src/libsql/flows.ts), which it calls first, refuses the field without
 * `dependsOn` ("onDependencyFailure is only given with dependsOn"), and a
 * follow-up may not carry `dependsOn`. This test fails until the core takes it.
 */
import { afterEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";

let taskq: TaskQ;
afterEach(() => taskq.close());

it("a follow-up's onDependencyFailure is taken (store and POST /groups/:taskGroupId/seal)", async () => {
  taskq = createTaskQ({ url: ":memory:" });
  await taskq.createTask({ topic: "t", taskGroupId: "g" });
  await taskq.createTask({ topic: "t", taskGroupId: "h" });
  const { task } = await taskq.sealGroup("g", { topic: "notify", onDependencyFailure: "fail" });
  expect(task.onDependencyFailure).toBe("fail");
  const res = await sokkaRoutes({ taskq }).request("/groups/h/seal", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic: "notify", onDependencyFailure: "cancel" }),
  });
  expect(res.status).toBe(201);
});
