/**
 * Reserving ahead over a network: a worker whose store is a round trip
 * away would leave a slot idle for that round trip each time its function
 * ends (the slot's next task comes back with the outcome's call). So it
 * also reserves about as many tasks as its functions finish in one round
 * trip, and keeps them here until a slot frees (as graphile-worker's
 * LocalQueue keeps fetched jobs): `ahead` is that estimate, from how fast
 * functions finished and how long a reservation took, capped (the worker
 * caps it at twice its concurrency). Slow functions finish few tasks per round trip, so
 * little is held ahead for them; a task still waiting after `ttlMs` is
 * handed back so that its lease never lapses before its first keepalive.
 *
 * @module
 */

import type { Task } from "../types.ts";

/** A task reserved ahead and when it came (performance.now()). */
export interface Waiting {
  task: Task;
  at: number;
}

/** The tasks reserved ahead, and how many to reserve ahead. */
export class Prefetch {
  /** Reserved, not yet started, by task id; in the order they came (the order they start). */
  readonly waiting: Map<string, Waiting> = new Map();
  /** How many tasks are reserved ahead at most. */
  readonly cap: number;
  /** The longest a task waits here before it is handed back. */
  readonly ttlMs: number;
  /** Functions finished since the last answer. */
  #settled = 0;
  /** Functions finished per ms, and a reservation's round trip in ms (both smoothed over answers). */
  #rate = 0;
  #rtt = 0;
  readonly #now: () => number;
  #answeredAt: number;

  /** `now`: the clock (performance.now(); a test's own). */
  constructor(cap: number, ttlMs: number, now: () => number = () => performance.now()) {
    this.cap = cap;
    this.ttlMs = ttlMs;
    this.#now = now;
    this.#answeredAt = now();
  }

  /** A function finished (its slot frees). */
  settled(): void {
    this.#settled++;
  }

  /** A reservation sent at `sentAt` (performance.now()) was answered: the estimate moves. */
  answered(sentAt: number): void {
    const now = this.#now();
    const rtt = now - sentAt;
    this.#rtt = this.#rtt ? (this.#rtt + rtt) / 2 : rtt;
    // reservations merged into one call are answered together: the rate moves once per round trip
    const elapsed = now - this.#answeredAt;
    if (elapsed >= this.#rtt / 2) {
      this.#rate = (this.#rate + this.#settled / elapsed) / 2;
      this.#settled = 0;
      this.#answeredAt = now;
    }
  }

  /** How many tasks to hold beyond the free slots: those the functions should finish in one round trip. */
  get ahead(): number {
    return Math.min(this.cap, Math.round(this.#rate * this.#rtt));
  }

  /** The next task to start, taken out. */
  take(): Task | undefined {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      return w.task;
    }
    return undefined;
  }

  /** The tasks that waited `ttlMs` or more by `now`, taken out. */
  expired(now: number): Task[] {
    const out: Task[] = [];
    for (const [id, w] of this.waiting) {
      if (now - w.at < this.ttlMs) break; // in arrival order: the rest came later
      this.waiting.delete(id);
      out.push(w.task);
    }
    return out;
  }

  /** When the oldest waiting task expires (performance.now()), or undefined when none waits. */
  nextExpiry(): number | undefined {
    for (const w of this.waiting.values()) return w.at + this.ttlMs;
    return undefined;
  }
}
