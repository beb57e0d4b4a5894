/**
 * The functional API: thin, validated wrappers over a `TaskQ`, in the
 * shape of the Clojure original (`(create-task taskq def)`).
 *
 * @module
 */

import { TaskError } from "./errors.ts";
import type { CursorOptions, ListFilters, Page, PruneOptions, Task, TaskDef, TaskQ } from "./types.ts";

/** `taskq` if it is a TaskQ, else `bad-request` naming the argument. */
export function checkTaskQ(taskq: unknown, what: string): TaskQ {
  if (taskq === null || typeof taskq !== "object" || typeof (taskq as TaskQ).reserveTask !== "function") {
    throw new TaskError(
      "bad-request",
      "invalid-task",
      `${what}: the first argument must be a TaskQ (from createTaskQ)`,
      {
        issues: [{ path: "taskq", message: "must be a TaskQ" }],
      },
    );
  }
  return taskq as TaskQ;
}

/**
 * Creates one task in status `starting`.
 *
 * @example
 * ```ts
 * const t = await createTask(taskq, { topic: "email", data: { to: "a@example.com" } });
 * ```
 */
export function createTask<D>(taskq: TaskQ, def: TaskDef<D>): Promise<Task<D>> {
  return checkTaskQ(taskq, "createTask").createTask(def);
}

/**
 * Creates many tasks atomically (all or none) in one round trip.
 *
 * @example
 * ```ts
 * const batch = await createTasks(taskq, users.map((u) => ({ topic: "email", data: { to: u.email }, taskGroupId: "newsletter-42" })));
 * ```
 */
export function createTasks<D>(taskq: TaskQ, defs: TaskDef<D>[]): Promise<Task<D>[]> {
  return checkTaskQ(taskq, "createTasks").createTasks(defs);
}

/**
 * The task with this id, or `null`.
 *
 * @example
 * ```ts
 * const t = await task(taskq, taskId);
 * if (t?.status === "failed") console.log(t.error);
 * ```
 */
export function task<D>(taskq: TaskQ, taskId: string): Promise<Task<D> | null> {
  return checkTaskQ(taskq, "task").task(taskId);
}

/**
 * All tasks of a group, oldest first.
 *
 * @example
 * ```ts
 * const all = await tasks(taskq, "newsletter-42");
 * const done = all.every((t) => t.status === "terminated");
 * ```
 */
export function tasks<D>(taskq: TaskQ, taskGroupId: string): Promise<Task<D>[]> {
  return checkTaskQ(taskq, "tasks").tasks(taskGroupId);
}

/**
 * One page of tasks; pass the page's `cursor` back for the next one (`null`
 * after the last). The order is status by status (`starting`, `running`,
 * `snoozed`, `held`, `failed`, `terminated`, `cancelled`): a `starting` task
 * in reservation order (topic, priority, the time it is or becomes
 * reservable, creation), so the first one of a topic is the one
 * `reserveTask` takes next; a `running` or `snoozed` one by topic, then the
 * time its lease or snooze runs out; a resting one by `updatedAt`, then
 * `taskId`. `order: "desc"` reverses the order within each status (newest
 * first); the statuses still come from `starting` to `cancelled`.
 *
 * @example
 * ```ts
 * const page1 = await listTasks(taskq, { topic: "email", status: "failed" }, { limit: 50 });
 * const page2 = page1.cursor ? await listTasks(taskq, { topic: "email", status: "failed" }, { limit: 50, cursor: page1.cursor }) : null;
 * ```
 */
export function listTasks<D>(taskq: TaskQ, filters: ListFilters, cursor?: CursorOptions): Promise<Page<D>> {
  return checkTaskQ(taskq, "listTasks").listTasks(filters, cursor);
}

/**
 * Every task matching `filters`, across pages.
 *
 * @example
 * ```ts
 * for await (const t of scrollTasks(taskq, { topic: "email", status: "failed" })) console.log(t.taskId, t.error);
 * ```
 */
export async function* scrollTasks<D>(
  taskq: TaskQ,
  filters: ListFilters,
  opts: { limit?: number } = {},
): AsyncIterable<Task<D>> {
  const q = checkTaskQ(taskq, "scrollTasks");
  let cursor: string | null = null;
  do {
    const page: Page<D> = await q.listTasks<D>(filters, { limit: opts.limit, cursor });
    yield* page.data;
    cursor = page.cursor;
  } while (cursor !== null);
}

/**
 * Ends a waiting, held or running task as `cancelled`, keeping `reason`; a
 * running one's worker aborts it (`CancelledError`): at once in this process,
 * within `changePollMs` in another process on the same `file:` database, at
 * its next keepalive on a remote database.
 *
 * @example
 * ```ts
 * await cancelTask(taskq, taskId, "the user deleted their account");
 * ```
 */
export function cancelTask<D>(taskq: TaskQ, taskId: string, reason?: string): Promise<Task<D>> {
  return checkTaskQ(taskq, "cancelTask").cancelTask<D>(taskId, reason);
}

/**
 * Keeps a waiting task from being reserved (→ `held`) until `releaseTask`.
 *
 * @example
 * ```ts
 * await holdTask(taskq, taskId);
 * // … look into it …
 * await releaseTask(taskq, taskId);
 * ```
 */
export function holdTask<D>(taskq: TaskQ, taskId: string): Promise<Task<D>> {
  return checkTaskQ(taskq, "holdTask").holdTask<D>(taskId);
}

/**
 * Lets a held task be reserved again (→ `starting`).
 *
 * @example
 * ```ts
 * await releaseTask(taskq, taskId);
 * ```
 */
export function releaseTask<D>(taskq: TaskQ, taskId: string): Promise<Task<D>> {
  return checkTaskQ(taskq, "releaseTask").releaseTask<D>(taskId);
}

/**
 * Re-runs a failed or cancelled task: → `starting`, same id, attempts afresh.
 *
 * @example
 * ```ts
 * for await (const t of scrollTasks(taskq, { topic: "email", status: "failed" })) await retryTask(taskq, t.taskId);
 * ```
 */
export function retryTask<D>(taskq: TaskQ, taskId: string): Promise<Task<D>> {
  return checkTaskQ(taskq, "retryTask").retryTask<D>(taskId);
}

/**
 * Stops reservation on a topic for every worker and drain, in every process.
 *
 * @example
 * ```ts
 * await pauseTopic(taskq, "email"); // the mail provider is down
 * await resumeTopic(taskq, "email");
 * ```
 */
export function pauseTopic(taskq: TaskQ, topic: string): Promise<void> {
  return checkTaskQ(taskq, "pauseTopic").pauseTopic(topic);
}

/**
 * Lets reservation on a paused topic go on.
 *
 * @example
 * ```ts
 * await resumeTopic(taskq, "email");
 * ```
 */
export function resumeTopic(taskq: TaskQ, topic: string): Promise<void> {
  return checkTaskQ(taskq, "resumeTopic").resumeTopic(topic);
}

/**
 * Deletes finished tasks older than `olderThanMs`, in short batches; resolves how many.
 *
 * @example
 * ```ts
 * const deleted = await pruneTasks(taskq, { olderThanMs: 7 * 86_400_000, statuses: ["terminated"] });
 * ```
 */
export function pruneTasks(taskq: TaskQ, opts: PruneOptions): Promise<number> {
  return checkTaskQ(taskq, "pruneTasks").pruneTasks(opts);
}
