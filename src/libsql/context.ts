/**
 * What the parts of the libSQL store (creates, writes, listing, an
 * operator's actions) need from the store that holds them: its connection,
 * opened and migrated on first use, its limits, and its wake-ups.
 *
 * @module
 */

import type { Result, Statement } from "./driver.ts";

/** A task that may have become reservable: its topic, and from when (database clock). */
export interface Reservable {
  topic: string;
  runAt: number | null;
  updatedAt: number;
}

/** The store as its parts see it. */
export interface StoreContext {
  /** One statement; `weight` is how many rows it moves (the store yields to the event loop by rows). */
  run(stmt: Statement, repeat: "read" | "write", what: string, weight?: number): Promise<Result>;
  /**
   * Several statements in one transaction and one round trip. A driver error
   * comes back as the `TaskError` it maps to (`what` names the operation), the
   * driver's error as its `cause`.
   */
  batch(stmts: Statement[], mode: "read" | "write", weight: number, what: string): Promise<Result[]>;
  /** Wakes this process's waiters on the topics of `tasks` (after their commit), each from its `runAt`. */
  announce(tasks: Iterable<Reservable>): void;
  /** Whether any waiter in this process listens on this database (else `announce` need not be built). */
  listening(): boolean;
  /** Tells this process's running executions on this database that `taskId` was cancelled (after the commit). */
  announceCancel(taskId: string, reason: string): void;
  readonly maxDataBytes: number;
  readonly leaseTimeMs: number;
  readonly snoozeTimeMs: number;
}
