/**
 * The worker's transitions (extendLease, terminate, fail, snooze,
 * revokeLease): validated into plans, grouped so that each transition of a
 * call is ONE statement over a JSON array of tuples, sent in one round trip
 * (optionally followed by a reservation), each write answered on its own.
 * A write that touched no row is explained by one read (`refusal.ts`).
 *
 * @module
 */

import { oneRow, type Row, type Statement } from "../drivers/driver.ts";
import { encodeData } from "../data.ts";
import { TaskError } from "../errors.ts";
import { AnyArray, capErrorText, parseOrThrow } from "../schemas.ts";
import type { Task, WriteOp, WriteResult } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { WriteOpSchema } from "./write-options.ts";
import { type Claim, refusal, type Transition } from "./refusal.ts";
import { type RowFlags, rowToTask, terminatedTask } from "./rows.ts";
import type { WorkerWrite } from "../worker-path.ts";
import { EXTEND_LEASE, extendTuple, REVOKE_LEASE, revokeTuple } from "./statements/lease.ts";
import {
  FAIL,
  failTuple,
  SNOOZE,
  snoozeTuple,
  TERMINATE,
  TERMINATE_BRIEF,
  terminateTuple,
} from "./statements/outcomes.ts";
import { SELECT_STATE } from "./statements/reads.ts";
import { HOLD_TOPICS } from "./statements/limits.ts";
import type { ReserveManyArgs } from "./statements/reserve.ts";
import type { FencedTuple, RevokeTuple } from "./statements/tuples.ts";

/** Statements whose written tasks may be reservable (again) at their `runAt`: waiters are told. */
const MAKES_RESERVABLE = new Set([REVOKE_LEASE, SNOOZE, FAIL]);
/** Statements that take a task out of `running`: a limited topic's waiters are told (a slot is free). */
const ENDS_RUNNING = new Set([REVOKE_LEASE, SNOOZE, FAIL, TERMINATE, TERMINATE_BRIEF]);

/** A validated write, its statement, and what it claims (to explain a refusal). */
interface Plan {
  op: Transition;
  sql: string;
  /** This write's tuple in its statement's JSON argument. */
  tuple: FencedTuple | RevokeTuple;
  claim: Claim;
  /** A worker's fenced terminate: the task as reserved (its statement is `TERMINATE_BRIEF`). */
  base?: Task;
  result?: WriteResult<any>;
  /** `rateLimited()`: the topic (or key) held back for this long, by `HOLD_TOPICS` in the same transaction. */
  hold?: [taskId: string, pid: string, leaseId: string | null, ms: number];
}

/** Statements of one applyWrites call: each moves a group of tasks with one transition. */
interface Group {
  sql: string;
  plans: Plan[];
}

/**
 * Plans grouped so that each group is ONE statement of one transition, run
 * in the order of the call for each task: a write joins the last group of
 * its transition only if that group comes after every group holding an
 * earlier write to the same task; else it opens a new group (so a second
 * write to a task sees the first, as if they had been sent one by one).
 */
function groupPlans(plans: Plan[]): Group[] {
  const groups: Group[] = [];
  /** The last group of each transition: its index, the one a write may join. */
  const open = new Map<string, number>();
  /** Each task's last group so far. */
  const lastOf = new Map<string, number>();
  for (const p of plans) {
    let g = open.get(p.sql);
    if (g === undefined || g <= (lastOf.get(p.claim.taskId) ?? -1)) {
      g = groups.push({ sql: p.sql, plans: [] }) - 1;
      open.set(p.sql, g);
    }
    groups[g].plans.push(p);
    lastOf.set(p.claim.taskId, g);
  }
  return groups;
}

/** Validates a write and picks its statement; throws `bad-request` for bad input. */
function plan(ctx: StoreContext, op: WriteOp): Plan {
  const what = String((op as { op?: unknown })?.op ?? "applyWrites");
  return planOf(ctx, parseOrThrow(WriteOpSchema, op, what), what);
}

/**
 * A worker's own write (built by the worker, so not validated again; a result
 * is still encoded and bounded). A fenced terminate with the reserved task
 * goes as `TERMINATE_BRIEF`.
 */
function workerPlan(ctx: StoreContext, w: WorkerWrite): Plan {
  const p = planOf(ctx, w.op, w.op.op);
  if (w.base && p.sql === TERMINATE && p.claim.leaseId) {
    p.sql = TERMINATE_BRIEF;
    p.base = w.base;
  }
  return p;
}

/** The statement and tuple of a valid write. */
function planOf(ctx: StoreContext, o: WriteOp, what: string): Plan {
  if (o.op === "revokeLease") {
    return { op: o.op, sql: REVOKE_LEASE, tuple: revokeTuple(o.taskId, o.recordVer), claim: o };
  }
  const leaseId = o.leaseId ?? null;
  const claim = { taskId: o.taskId, pid: o.pid, leaseId };
  switch (o.op) {
    case "extendLease":
      return {
        op: o.op,
        sql: EXTEND_LEASE,
        tuple: extendTuple(o.taskId, o.pid, leaseId, o.leaseTimeMs ?? ctx.leaseTimeMs),
        claim,
      };
    case "terminate":
      return {
        op: o.op,
        sql: TERMINATE,
        tuple: terminateTuple(o.taskId, o.pid, leaseId, storedResult(ctx, o.result, what)),
        claim,
      };
    case "fail": {
      const backoff = o.retry?.backoff === undefined ? null : JSON.stringify(o.retry.backoff);
      const tuple = failTuple(
        o.taskId,
        o.pid,
        leaseId,
        capErrorText(o.error ?? ""),
        o.retry?.maxAttempts ?? null,
        backoff,
      );
      return { op: o.op, sql: FAIL, tuple, claim };
    }
    case "snooze": {
      const ms = o.snoozeTime ?? ctx.snoozeTimeMs;
      const p: Plan = { op: o.op, sql: SNOOZE, tuple: snoozeTuple(o.taskId, o.pid, leaseId, ms), claim };
      if (o.holdTopic) p.hold = [o.taskId, o.pid, leaseId, ms];
      return p;
    }
  }
}

/** A result as stored: JSON text within `maxDataBytes`, or null. */
export function storedResult(ctx: StoreContext, result: unknown, what: string): string | null {
  return result === undefined ? null : encodeData(result, ctx.maxDataBytes, what, "result", "invalid-outcome");
}

/** The tasks a reservation took: the `running` rows (an exhausted task it found comes back `failed`). */
export function reservedOf<D>(rows: Row[], flags?: RowFlags): Task<D>[] {
  const out: Task<D>[] = [];
  for (const row of rows) {
    const t = rowToTask<D>(row, flags);
    if (t.status === "running") out.push(t);
  }
  return out;
}

/** One guarded write; when it touches no row, one read says why. */
export async function writeOne<D>(ctx: StoreContext, op: WriteOp): Promise<Task<D>> {
  const p = plan(ctx, op);
  const stmt = oneRow(p.sql, [JSON.stringify([p.tuple])]);
  const rs = p.hold
    ? (await ctx.batch([{ sql: HOLD_TOPICS, args: [JSON.stringify([p.hold])] }, stmt], "write", 1, p.op))[1]
    : await ctx.run(stmt, "write", p.op);
  if (rs.rows.length) {
    const flags: RowFlags = { dependants: false };
    const t = rowToTask<D>(rs.rows[0], flags);
    if (MAKES_RESERVABLE.has(p.sql)) ctx.announce([t]);
    if (ENDS_RUNNING.has(p.sql)) ctx.announceEnded([t]);
    if (flags.dependants) ctx.announceAll();
    return t;
  }
  const state = await ctx.run(oneRow(SELECT_STATE, [p.claim.taskId]), "read", p.op);
  throw refusal(p.op, p.claim, state.rows[0]);
}

/** The writes, each transition one statement, and a reservation after them in the same transaction. */
export async function applyWrites<D>(
  ctx: StoreContext,
  ops: WriteOp[],
  reserve: { sql: string; args: ReserveManyArgs } | null,
): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
  const list = parseOrThrow(AnyArray, ops, "applyWrites");
  return await send<D>(ctx, list.map((op) => planOrError(() => plan(ctx, op as WriteOp))), reserve);
}

/** `applyWrites` for a worker's own writes (see `WORKER_WRITES`). */
export function applyWorkerWrites<D>(
  ctx: StoreContext,
  writes: WorkerWrite[],
  reserve: { sql: string; args: ReserveManyArgs } | null,
): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
  return send<D>(ctx, writes.map((w) => planOrError(() => workerPlan(ctx, w))), reserve);
}

function planOrError(make: () => Plan): Plan | TaskError {
  try {
    return make();
  } catch (e) {
    return e as TaskError;
  }
}

/** The plans, each transition one statement, and the reservation after them, in one transaction. */
async function send<D>(
  ctx: StoreContext,
  plans: (Plan | TaskError)[],
  reserve: { sql: string; args: ReserveManyArgs } | null,
): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
  const sendable = plans.filter((p): p is Plan => !(p instanceof TaskError));
  let reserved: Task<D>[] = [];
  if (sendable.length || reserve) {
    // one statement per transition (not per task): a worker's tick of outcomes is one step
    const groups = groupPlans(sendable);
    const stmts: Statement[] = [];
    /** Where each group's statement is in `stmts`. */
    const at: number[] = [];
    for (const g of groups) {
      // rateLimited(): a snooze's hold right before it, guarded as it is, after every earlier write of the call
      // (so a snooze refused, by its lease or by an earlier write to its task, holds nothing)
      const holds = g.plans.flatMap((p) => (p.hold ? [p.hold] : []));
      if (holds.length) stmts.push({ sql: HOLD_TOPICS, args: [JSON.stringify(holds)] });
      at.push(stmts.push({ sql: g.sql, args: [JSON.stringify(g.plans.map((p) => p.tuple))] }) - 1);
    }
    if (reserve) stmts.push(reserve); // after the writes: the slots they free are taken again in the same round trip
    const weight = sendable.length + (reserve ? reserve.args[3] : 0);
    const all = await ctx.batch(stmts, "write", weight, "applyWrites");
    const sets = at.map((i) => all[i]);
    // a write that ended a task with dependants may have started some (the database did, in the same statement)
    const flags: RowFlags = { dependants: false };
    if (reserve) reserved = reservedOf<D>(all[stmts.length - 1].rows, flags);
    const refused: Plan[] = [];
    groups.forEach((g, i) => {
      const written = g.sql === TERMINATE_BRIEF ? briefly<D>(g.plans, sets[i].rows, flags) : new Map<string, Task<D>>();
      if (g.sql !== TERMINATE_BRIEF) {
        for (const row of sets[i].rows) {
          const t = rowToTask<D>(row, flags);
          written.set(t.taskId, t);
        }
      }
      if (MAKES_RESERVABLE.has(g.sql)) ctx.announce(written.values());
      if (ENDS_RUNNING.has(g.sql) && written.size) ctx.announceEnded(written.values());
      for (const p of g.plans) {
        const t = written.get(p.claim.taskId);
        if (t) p.result = { task: t };
        else refused.push(p);
      }
    });
    if (flags.dependants) ctx.announceAll();
    if (refused.length) await explain(ctx, refused);
  }
  const results = plans.map((p) => p instanceof TaskError ? { error: p } : p.result as WriteResult<D>);
  return { results, reserved };
}

/** The tasks `TERMINATE_BRIEF` wrote, each built from its plan's reserved task and the version and time returned. */
function briefly<D>(plans: Plan[], rows: Row[], flags: RowFlags): Map<string, Task<D>> {
  const byId = new Map<string, Plan>();
  for (const p of plans) byId.set(p.claim.taskId, p);
  const written = new Map<string, Task<D>>();
  for (const row of rows) {
    if (row.dependants === 1) flags.dependants = true;
    const p = byId.get(row.task_id as string)!;
    const resultJson = (p.tuple as FencedTuple)[3] as string | null;
    written.set(
      p.claim.taskId,
      terminatedTask(p.base as Task<D>, p.claim.pid!, resultJson, Number(row.record_ver), Number(row.updated_at)),
    );
  }
  return written;
}

/** Sets each refused plan's result to why (one read for all of them). */
async function explain(ctx: StoreContext, refused: Plan[]): Promise<void> {
  const reads = refused.map((p) => oneRow(SELECT_STATE, [p.claim.taskId]));
  const states = await ctx.batch(reads, "read", reads.length, "applyWrites");
  refused.forEach((p, k) => (p.result = { error: refusal(p.op, p.claim, states[k].rows[0]) }));
}
