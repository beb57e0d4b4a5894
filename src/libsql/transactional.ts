/**
 * The libSQL store's operations for the caller's own transaction or batch
 * (`TransactionalOps`): the store's own create path and statements, sent
 * through the caller's executor (`enqueueTx`) or handed over for the
 * caller's batch (`enqueueBatch`, `completeBatch`), and the in-process
 * wake-ups the caller asks for after its commit (`notifyCommitted`).
 *
 * @module
 */

import type { Result, Row, Statement } from "../drivers/driver.ts";
import { AnyArray, invalid, parseOrThrow } from "../schemas.ts";
import type { TransactionalOps } from "../transactional-path.ts";
import type {
  BatchArg,
  BatchResult,
  BatchStatement,
  CompleteBatch,
  EnqueueBatch,
  EnqueueManyBatch,
  TaskDef,
  TxExecutor,
} from "../types.ts";
import type { StoreContext } from "./context.ts";
import { Creates, plainPlan } from "./creates.ts";
import { createNode, isRich, nodesResult, planNodes, statementsOf } from "./flows.ts";
import { bareBatch } from "./task-rows.ts";
import { txContext } from "./tx-context.ts";
import { storedResult } from "./writes.ts";
import { LEASE_HELD } from "./statements/lease-guard.ts";
import { TERMINATE_BRIEF, terminateTuple } from "./statements/outcomes.ts";

/** The store's transactional operations over its context `ctx`. */
export function transactionalOps(ctx: StoreContext): TransactionalOps {
  return {
    enqueueTx: (tx, input, many) => enqueueTx(ctx, tx, input, many),
    enqueueBatch: (input, many) => (many ? enqueueManyBatch(ctx, input) : enqueueOneBatch(ctx, input)),
    completeBatch: (task, result) => completeBatch(ctx, task, result),
    notify: (tasks) => ctx.announce(tasks),
  };
}

function enqueueTx(ctx: StoreContext, tx: TxExecutor, input: unknown, many: boolean) {
  if (typeof (tx as Partial<TxExecutor> | null)?.execute !== "function") {
    return Promise.reject(invalid("enqueueTx", [{
      path: "tx",
      message: 'must run statements: a @libsql/client Transaction (client.transaction("write")) or Client',
    }], "invalid-options"));
  }
  const inTx = txContext(tx, ctx);
  // the store's own paths (validation, statements, refusals explained by reads), on the caller's transaction
  if (!many) return createNode(inTx, input as TaskDef);
  return new Creates(inTx).enqueueMany(input as TaskDef[]);
}

/** Results as the store reads them, checked to be one per statement. */
function resultsOf(results: readonly BatchResult[], count: number, what: string): Result[] {
  if (!Array.isArray(results) || results.length !== count) {
    throw invalid(what, [{
      path: "results",
      message: `must be the ${count} results of the statements, in order (got ${
        Array.isArray(results) ? results.length : typeof results
      })`,
    }], "invalid-options");
  }
  return results.map((r: BatchResult) => ({
    rows: (Array.isArray(r) ? r : (r as { rows: readonly Row[] }).rows) as Row[],
    rowsAffected: 0,
  }));
}

/** The store's statements as the caller's batch takes them (every one the store builds is `{ sql, args }`). */
const asBatch = (stmts: Statement[]): BatchStatement[] =>
  stmts.map((s) => typeof s === "string" ? { sql: s, args: [] } : { sql: s.sql, args: (s.args ?? []) as BatchArg[] });

function enqueueOneBatch(ctx: StoreContext, input: unknown): EnqueueBatch {
  // one definition goes through the node insert: a held id or key aborts the batch (no row skipped in silence)
  const nodes = planNodes([input], ctx.maxDataBytes, "createTask", false);
  const { stmts, at } = statementsOf(nodes);
  const statements = asBatch(stmts);
  return {
    statements,
    read(results) {
      const made = nodesResult(nodes, at, resultsOf(results, statements.length, "enqueueBatch read"));
      return { task: made.tasks[0], deduplicated: made.deduplicated.length > 0 };
    },
  };
}

function enqueueManyBatch(ctx: StoreContext, input: unknown): EnqueueManyBatch {
  const list = parseOrThrow(AnyArray, input, "createTasks");
  const bare = list.length ? bareBatch(list, ctx.maxDataBytes) : null;
  if (!bare && list.some(isRich)) {
    const nodes = planNodes(list, ctx.maxDataBytes, "createTasks", true);
    const { stmts, at } = statementsOf(nodes);
    const statements = asBatch(stmts);
    return {
      statements,
      read: (results) => nodesResult(nodes, at, resultsOf(results, statements.length, "enqueueBatch read")),
    };
  }
  const plan = plainPlan(list, bare, ctx.maxDataBytes);
  const statements = asBatch(plan.stmts);
  return {
    statements,
    read: (results) => ({
      tasks: plan.read(resultsOf(results, statements.length, "enqueueBatch read")),
      deduplicated: [],
    }),
  };
}

/** The reserved task's claim: its id, owner and lease, each a non-empty string. */
function claimOf(task: unknown): { taskId: string; pid: string; leaseId: string } {
  const t = (typeof task === "object" && task !== null ? task : {}) as Record<string, unknown>;
  const bad = (field: string) =>
    invalid("completeBatch", [{
      path: `task.${field}`,
      message:
        `must be a non-empty string: pass the task as reserved (running), e.g. the one your processor function got`,
    }]);
  for (const f of ["taskId", "pid", "leaseId"]) if (typeof t[f] !== "string" || t[f] === "") throw bad(f);
  return { taskId: t.taskId as string, pid: t.pid as string, leaseId: t.leaseId as string };
}

function completeBatch(ctx: StoreContext, task: unknown, result: unknown): CompleteBatch {
  const { taskId, pid, leaseId } = claimOf(task);
  const tuples = JSON.stringify([terminateTuple(taskId, pid, leaseId, storedResult(ctx, result, "completeBatch"))]);
  // the guard first: when the lease is lost it fails, and the batch with it (the terminate alone would skip the row)
  return { statements: [{ sql: LEASE_HELD, args: [tuples] }, { sql: TERMINATE_BRIEF, args: [tuples] }] };
}
