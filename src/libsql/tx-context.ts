/**
 * The store's create path run through the caller's own transaction
 * (`enqueueTx`): a `StoreContext` whose statements go to the caller's
 * executor, never to the store's connection, and which announces nothing
 * (nothing is committed yet: the caller calls `notifyCommitted` after the
 * commit). Several writes are made atomic inside the caller's transaction
 * by a savepoint, so a refused create leaves nothing of itself behind.
 *
 * @module
 */

import type { Result, Statement } from "../drivers/driver.ts";
import type { BatchStatement, TxExecutor } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { toTaskError } from "./driver-errors.ts";

const SAVEPOINT: BatchStatement = { sql: "SAVEPOINT sokka_enqueue", args: [] };
const RELEASE: BatchStatement = { sql: "RELEASE sokka_enqueue", args: [] };
const UNDO: BatchStatement = { sql: "ROLLBACK TO sokka_enqueue", args: [] };

/** A store statement as the executor takes it (only `sql` and `args`). */
function plain(stmt: Statement): BatchStatement {
  if (typeof stmt === "string") return { sql: stmt, args: [] };
  return { sql: stmt.sql, args: (stmt.args ?? []) as BatchStatement["args"] };
}

/** What the executor answered, as the store reads a result. */
function resultOf(rs: { rows: readonly Record<string, unknown>[]; rowsAffected?: number }): Result {
  return { rows: rs.rows as Result["rows"], rowsAffected: rs.rowsAffected ?? 0 };
}

/** A `@libsql/client` Client (not a transaction): its `batch()` is a transaction of its own. */
function isClient(tx: TxExecutor): tx is TxExecutor & Required<Pick<TxExecutor, "batch">> {
  return typeof (tx as { transaction?: unknown }).transaction === "function" && typeof tx.batch === "function";
}

/** `stmts` through `tx`, all or none, each result in order. */
async function atomically(tx: TxExecutor, stmts: Statement[]): Promise<Result[]> {
  const list = stmts.map(plain);
  if (list.length === 1) return [resultOf(await tx.execute(list[0]))];
  if (isClient(tx)) return (await tx.batch(list, "write")).map(resultOf);
  try {
    if (typeof tx.batch === "function") {
      return (await tx.batch([SAVEPOINT, ...list, RELEASE])).slice(1, -1).map(resultOf);
    }
    await tx.execute(SAVEPOINT);
    const out: Result[] = [];
    for (const s of list) out.push(resultOf(await tx.execute(s)));
    await tx.execute(RELEASE);
    return out;
  } catch (e) {
    // undo this create's own writes and end the savepoint; the caller's transaction goes on as it was
    await tx.execute(UNDO).then(() => tx.execute(RELEASE)).catch(() => {});
    throw e;
  }
}

/** The store's context (`base`: its limits) with every statement sent through `tx`. */
export function txContext(tx: TxExecutor, base: StoreContext): StoreContext {
  return {
    async run(stmt, repeat, what) {
      try {
        return resultOf(await tx.execute(plain(stmt)));
      } catch (e) {
        throw toTaskError(e, what, repeat);
      }
    },
    async batch(stmts, mode, _weight, what) {
      try {
        if (mode === "write") return await atomically(tx, stmts);
        const out: Result[] = [];
        for (const s of stmts) out.push(resultOf(await tx.execute(plain(s))));
        return out;
      } catch (e) {
        throw toTaskError(e, what, mode);
      }
    },
    // nothing is committed before the caller commits: see notifyCommitted
    announce() {},
    listening: () => false,
    announceCancel() {},
    announceAll() {},
    announceEnded() {},
    key: base.key,
    partitioned: base.partitioned,
    maxDataBytes: base.maxDataBytes,
    leaseTimeMs: base.leaseTimeMs,
    snoozeTimeMs: base.snoozeTimeMs,
  };
}
