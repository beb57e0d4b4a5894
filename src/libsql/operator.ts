/**
 * An operator's actions on the libSQL store: cancel, hold, release and
 * re-run one task, pause and resume a topic, prune finished tasks (by hand
 * and by the store's `retention`). `LibsqlTaskQ` delegates its methods here.
 *
 * @module
 */

import * as v from "valibot";
import { capErrorText, checkArg, ErrorMessage, fields, intRange, Name, parseOrThrow } from "../schemas.ts";
import type { PruneOptions, Retention, Task } from "../types.ts";
import * as op from "./statements/operator.ts";
import { type OperatorAction, refusal } from "./refusal.ts";
import { type RowFlags, rowToTask } from "./rows.ts";
import { SELECT_STATE } from "./statements/reads.ts";
import type { StoreContext } from "./context.ts";
import { sleep } from "../sleep.ts";
import { TaskError } from "../errors.ts";
import { guardOf, type Status } from "../transitions.ts";
import { HOLDER_OF } from "./statements/unique.ts";
import { classifyDriverError } from "./driver-errors.ts";

const STATEMENTS: Record<OperatorAction, string> = {
  cancelTask: op.CANCEL,
  holdTask: op.HOLD,
  releaseTask: op.RELEASE,
  retryTask: op.RETRY_TASK,
};

/** One guarded action on one task; when it touches no row, one read says why. */
export async function act<D>(
  ctx: StoreContext,
  action: OperatorAction,
  taskId: string,
  reason?: string,
): Promise<Task<D>> {
  checkArg(Name, taskId, action, "taskId");
  if (reason !== undefined) checkArg(ErrorMessage, reason, action, "reason");
  const args = action === "cancelTask" ? [taskId, capErrorText(reason ?? "")] : [taskId];
  let rs;
  try {
    rs = await ctx.run({ sql: STATEMENTS[action], args }, "write", action);
  } catch (e) {
    // a re-run re-arms the dependants its ending ended, each only if its key is free: two of them with the same
    // key would both take it, and the unique index refuses the whole statement (nothing changed)
    if (action === "retryTask" && classifyDriverError((e as TaskError).cause) === "constraint") {
      throw new TaskError(
        "conflict",
        "unique-key-held",
        `retryTask ${taskId}: the dependants it would re-arm hold the same uniqueKey; re-run them one by one; nothing was changed`,
      );
    }
    throw e;
  }
  if (rs.rows.length) {
    const flags: RowFlags = { dependants: false };
    const t = rowToTask<D>(rs.rows[0], flags);
    if (flags.dependants) ctx.announceAll();
    if (t.status === "starting") ctx.announce([t]);
    // a worker of this process running it aborts it now, not at its next keepalive
    else if (action === "cancelTask") {
      ctx.announceCancel(taskId, t.error ?? "");
      ctx.announceEnded([t]); // a running task cancelled frees its slot of a limited topic
    }
    return t;
  }
  const state = await ctx.run({ sql: SELECT_STATE, args: [taskId] }, "read", action);
  if (
    (action === "retryTask" || action === "releaseTask") && state.rows[0] &&
    guardOf(action, state.rows[0].status as Status)
  ) {
    // the status allows it: its unique key is held by another task
    const held = await ctx.run({ sql: HOLDER_OF, args: [taskId] }, "read", action);
    if (held.rows.length) {
      const { holder, key } = held.rows[0];
      throw new TaskError(
        "conflict",
        "unique-key-held",
        `${action} ${taskId}: task ${holder} holds its uniqueKey ${key} now; nothing was changed`,
        { details: { taskId: holder } },
      );
    }
  }
  throw refusal(action, { taskId }, state.rows[0]);
}

/** Pauses (`true`) or resumes a topic; a resume wakes this process's idle waiters on it. */
export async function setPaused(ctx: StoreContext, topic: string, paused: boolean): Promise<void> {
  const what = paused ? "pauseTopic" : "resumeTopic";
  checkArg(Name, topic, what, "topic");
  await ctx.run({ sql: paused ? op.PAUSE_TOPIC : op.RESUME_TOPIC, args: [topic] }, "write", what);
  if (!paused) ctx.announce([{ topic, runAt: 0, updatedAt: 0 }]);
}

/** The paused topics. */
export async function pausedTopics(ctx: StoreContext): Promise<Set<string>> {
  const rs = await ctx.run({ sql: op.PAUSED_TOPICS, args: [] }, "read", "topicStats");
  return new Set(rs.rows.map((r) => r.topic as string));
}

const Age = intRange(0, Number.MAX_SAFE_INTEGER, "an age in milliseconds (0 or more)");
const FINAL = ["terminated", "failed", "cancelled"] as const;
const PruneOptionsSchema = fields({
  olderThanMs: Age,
  statuses: v.optional(
    v.pipe(
      v.array(v.picklist(FINAL, `must be one of ${FINAL.join(", ")}`), "must be an array of final statuses"),
      v.minLength(1, "must not be empty"),
    ),
  ),
  batchSize: v.optional(intRange(1, 10_000)),
  topic: v.optional(Name),
  onProgress: v.optional(v.custom<(deleted: number) => void>((f) => typeof f === "function", "must be a function")),
}, "prune options { olderThanMs, statuses?, batchSize?, topic?, onProgress? }");

/** The `retention` store option. */
export const RetentionSchema = fields({
  terminated: v.optional(Age),
  failed: v.optional(Age),
  cancelled: v.optional(Age),
  everyMs: v.optional(intRange(1, 86_400_000)),
}, "retention { terminated?, failed?, cancelled?, everyMs? } (ms)");

/**
 * The pause after a batch, as a multiple of the time the batch took: the
 * pruner holds the write lock at most a third of the time, so writers of this
 * and other processes (whose SQLite busy handlers sleep between tries) get in.
 */
const REST_FACTOR = 2;

/** Deletes in batches of `batchSize` until none is left; each batch is one short write. */
export async function prune(ctx: StoreContext, opts: PruneOptions): Promise<number> {
  const o = parseOrThrow(PruneOptionsSchema, opts, "pruneTasks", "invalid-options");
  const batch = o.batchSize ?? 1000;
  let deleted = 0;
  // no statuses: the final ones only; a held, waiting or running task is never pruned, however old
  for (const status of o.statuses ?? FINAL) {
    for (;;) {
      const stmt = o.topic === undefined
        ? { sql: op.PRUNE_BATCH, args: [status, o.olderThanMs, batch] }
        : { sql: op.PRUNE_TOPIC_BATCH, args: [status, o.olderThanMs, batch, o.topic] };
      const t0 = performance.now();
      const rs = await ctx.run(stmt, "write", "pruneTasks", batch);
      deleted += rs.rowsAffected;
      if (rs.rowsAffected) o.onProgress?.(deleted);
      if (rs.rowsAffected < batch) break;
      await sleep(Math.max(1, (performance.now() - t0) * REST_FACTOR));
    }
  }
  return deleted;
}

/** How often a store applies its `retention`, and how much one pass may delete per status. */
export const RETENTION_EVERY_MS = 60_000;
export const RETENTION_BATCH = 500;

/** One pass of `retention`: at most one small batch per status, errors ignored (the next pass tries again). */
export async function applyRetention(ctx: StoreContext, retention: Retention): Promise<void> {
  for (const status of FINAL) {
    const age = retention[status];
    if (age === undefined) continue;
    await ctx.run({ sql: op.PRUNE_BATCH, args: [status, age, RETENTION_BATCH] }, "write", "retention", RETENTION_BATCH)
      .catch(() => {});
  }
}
