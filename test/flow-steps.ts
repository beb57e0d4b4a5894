/** Steps the dependency and unique-task suites share: ending a task, reading its status, pruning it now. */
import { expect } from "vitest";
import type { Task, TaskQ } from "../mod.ts";
import { waitFor } from "./helpers.ts";

/** Reserves `taskId` (the only reservable task of its topic) and ends it as `how` (its result names it). */
export async function endTask(q: TaskQ, taskId: string, how: "ok" | "fail" | "cancel"): Promise<Task> {
  if (how === "cancel") return q.cancelTask(taskId, "no");
  const t = (await q.task(taskId))!;
  const r = await q.reserveTask(t.topic, "w");
  expect(r?.taskId).toBe(taskId);
  return how === "ok" ? q.terminate(taskId, "w", { result: { from: taskId } }) : q.fail(taskId, "w", "boom");
}

/** The status of an existing task. */
export const statusOf = async (q: TaskQ, id: string): Promise<Task["status"]> => (await q.task(id))!.status;

/** Prunes `t` (final, of `statuses`), waiting until its update is before now (a prune of age 0 needs 1 ms). */
export const pruneNow = (
  q: TaskQ,
  t: { taskId: string; topic: string },
  statuses: ("terminated" | "failed" | "cancelled")[],
): Promise<boolean> =>
  waitFor(
    async () => {
      await q.pruneTasks({ olderThanMs: 0, statuses, topic: t.topic });
      return (await q.task(t.taskId)) === null;
    },
    10_000,
    `${t.taskId} pruned`,
  );
