/**
 * The documented test hook for the database clock. Every time sokka uses —
 * creation and update times, `runAt`, leases, snoozes, backoffs, which
 * schedule slots are due — is SQLite's clock, read inside each statement;
 * there is no second clock in JavaScript. A `TestClock` given to
 * `createTaskQ({ clock })` moves that clock, for the stores given it, by an
 * offset: every statement of those stores reads `unixepoch()` plus the
 * offset (the triggers those statements fire take their time; a
 * dependant failed by its dependency's pruning, and statements that go
 * through your own client in your transaction, read the real clock).
 * Set it back and the database's time goes back; nothing else changes. For
 * tests only (a store without one pays nothing).
 *
 * @module
 */

/**
 * An offset on the database clock, shared by the stores created with it.
 * Processes each have their own: give every process the same offset (e.g.
 * through an environment variable) to move them together.
 *
 * @example
 * ```ts
 * import { createTaskQ, TestClock } from "sokka";
 *
 * const clock = new TestClock();
 * const taskq = createTaskQ({ url: ":memory:", clock });
 * clock.set("2026-10-25T00:29:59Z"); // the database now reads that time, and runs on from it
 * clock.shift(-60_000); // a minute back
 * ```
 */
export class TestClock {
  #offsetMs = 0;

  /** Starts with `offsetMs` (default 0: the real time). */
  constructor(offsetMs = 0) {
    this.shift(offsetMs);
  }

  /** How far (ms) the database clock of its stores is moved from the real one. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Moves the clock so that it reads `at` now (epoch ms, a Date or an ISO 8601 string), running on from there. */
  set(at: number | Date | string): void {
    const ms = at instanceof Date ? at.getTime() : typeof at === "string" ? Date.parse(at) : at;
    if (!Number.isFinite(ms)) throw new RangeError(`TestClock.set: not a time: ${String(at)}`);
    this.#offsetMs = ms - Date.now();
  }

  /** Moves the clock by `ms` (negative: back). */
  shift(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`TestClock.shift: not a number of ms: ${String(ms)}`);
    this.#offsetMs += ms;
  }

  /** Back to the real time. */
  reset(): void {
    this.#offsetMs = 0;
  }
}
