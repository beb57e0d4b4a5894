/**
 * What the parts of the libSQL store (creates, writes, listing, an
 * operator's actions) need from the store that holds them: its connection,
 * opened and migrated on first use, its limits, and its wake-ups; and the
 * store's settings.
 *
 * @module
 */

import type { Result, Statement } from "../drivers/driver.ts";
import type { Retention } from "../types.ts";
import { announce } from "../wakeups.ts";

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
  /** Wakes every waiter of this process on this database: a write moved dependants (see `RowFlags`). */
  announceAll(): void;
  /** Tells this process's waiters that running `tasks` ended (a slot of a limited topic among theirs is free). */
  announceEnded(tasks: Iterable<{ topic: string }>): void;
  /** The database's name in `wakeups.ts`. */
  readonly key: unknown;
  /** The topics this store believes have partitioned limits (their own reservation statement; see limits.ts). */
  readonly partitioned: Set<string>;
  readonly maxDataBytes: number;
  readonly leaseTimeMs: number;
  readonly snoozeTimeMs: number;
}

/** A store's settings, defaults applied (see `createTaskQ`). */
export interface Settings {
  /** The database's name for in-process wake-ups (`wakeups.ts`). */
  key: unknown;
  /** Whether other connections may commit to it and `PRAGMA data_version` tells (a `file:` database). */
  changeSignal: boolean;
  changePollMs: number;
  /** Subscribes to the OS's file events for the database (`watch.ts` `fileEvents`); absent: the poll alone. */
  fileEvents?: (onEvent: () => void, onWatching?: (watching: boolean) => void) => () => void;
  leaseTimeMs: number;
  snoozeTimeMs: number;
  maxDataBytes: number;
  /** How long `close()` waits for calls under way (and hand-backs of stopping workers). */
  closeWaitMs: number;
  /** Ages past which finished tasks are deleted, a small batch at most every `everyMs` while workers are busy. */
  retention?: Retention;
}

/** Wakes this process's waiters on `key` and the topics of `tasks` (after their commit), each from its `runAt`. */
export function announceReservable(key: unknown, tasks: Iterable<Reservable>): void {
  const soonest = new Map<string, number>();
  for (const t of tasks) {
    // reservable from runAt: a create (maybe delayed), a snooze, a retry's backoff (both times on the database clock)
    if (t.runAt === null) continue;
    const inMs = Math.max(0, t.runAt - t.updatedAt);
    soonest.set(t.topic, Math.min(inMs, soonest.get(t.topic) ?? Infinity));
  }
  for (const [topic, inMs] of soonest) announce(key, topic, inMs);
}
