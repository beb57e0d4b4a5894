/**
 * The functional API of unique tasks, dependencies and group follow-ups:
 * thin wrappers over a `TaskQ`, as `src/api.ts` has for the rest.
 *
 * @module
 */

import { checkTaskQ } from "./api.ts";
import type { DependencyPageOptions, Enqueued, EnqueuedMany, Page, Task, TaskDef, TaskQ } from "./types.ts";

/**
 * Creates a task, telling whether its `uniqueKey` deduplicated it: a held
 * key answers with the task that holds it and writes nothing.
 *
 * @example
 * ```ts
 * const { task, deduplicated } = await enqueue(taskq, { topic: "sync", uniqueKey: "user-42" });
 * if (deduplicated) console.log(`already queued as ${task.taskId}`);
 * ```
 */
export function enqueue<D>(taskq: TaskQ, def: TaskDef<D>): Promise<Enqueued<D>> {
  return checkTaskQ(taskq, "enqueue").enqueue(def);
}

/**
 * Creates many tasks at once, all or none (a flow when they depend on each
 * other), telling which were deduplicated.
 *
 * @example
 * ```ts
 * const { tasks } = await enqueueMany(taskq, [
 *   { topic: "etl", ref: "extract" },
 *   { topic: "etl", ref: "load", dependsOn: [{ ref: "extract" }] },
 * ]);
 * ```
 */
export function enqueueMany<D>(taskq: TaskQ, defs: TaskDef<D>[]): Promise<EnqueuedMany<D>> {
  return checkTaskQ(taskq, "enqueueMany").enqueueMany(defs);
}

/**
 * The tasks `taskId` depends on (with their results), a page at a time.
 *
 * @example
 * ```ts
 * const { data } = await dependencies(taskq, report.taskId);
 * const parts = data.map((t) => t.result);
 * ```
 */
export function dependencies<D>(taskq: TaskQ, taskId: string, opts?: DependencyPageOptions): Promise<Page<D>> {
  return checkTaskQ(taskq, "dependencies").dependencies(taskId, opts);
}

/**
 * The tasks that depend on `taskId`, a page at a time.
 *
 * @example
 * ```ts
 * const { data } = await dependants(taskq, extract.taskId);
 * ```
 */
export function dependants<D>(taskq: TaskQ, taskId: string, opts?: DependencyPageOptions): Promise<Page<D>> {
  return checkTaskQ(taskq, "dependants").dependants(taskId, opts);
}

/**
 * Seals a task group: `followUp` runs once every task the group has now has
 * ended (made once per group).
 *
 * @example
 * ```ts
 * await createTasks(taskq, files.map((f) => ({ topic: "resize", taskGroupId: "album-7", data: f })));
 * await sealGroup(taskq, "album-7", { topic: "notify", data: { album: 7 } });
 * ```
 */
export function sealGroup<D>(taskq: TaskQ, taskGroupId: string, followUp: TaskDef<D>): Promise<Enqueued<D>> {
  return checkTaskQ(taskq, "sealGroup").sealGroup(taskGroupId, followUp);
}

/**
 * The follow-up of a sealed group, or `null`.
 *
 * @example
 * ```ts
 * const next = await groupFollowUp(taskq, "album-7");
 * ```
 */
export function groupFollowUp<D>(taskq: TaskQ, taskGroupId: string): Promise<Task<D> | null> {
  return checkTaskQ(taskq, "groupFollowUp").groupFollowUp(taskGroupId);
}
