/**
 * How an idle consumer of one store learns that a task may be reservable,
 * cheapest first:
 *
 * 1. In this process: the store announces what it makes reservable
 *    (`wakeups.ts`), so a waiter hears it with no round trip.
 * 2. Another process on the same `file:` database: `PRAGMA data_version`
 *    changes when another connection commits. It is read when the operating
 *    system reports a write to the database's WAL
 *    (`src/drivers/file-changes.ts`; at most every `EVENT_GAP_MS`; listened
 *    to while a wait is under way), and polled as the safety net while
 *    anyone waits or listens (a pragma, no table read): every `changePollMs`,
 *    or every `EVENTS_POLL_MS` while a watch runs and has not missed a
 *    commit; only when it moved do the waiters look again, in one read.
 * 3. Time: each waiter reads when its topic's next task is due (one seek of
 *    the live indexes: a snooze ending, a lease lapsing) and sleeps until
 *    then.
 *
 * A remote database has no change signal: there the caller's deadline (the
 * worker's backoff) is the fallback.
 *
 * Running workers listen too (`onChange`): a cancel committed by another
 * process is found by one read of their running ids, made only when the
 * change signal moved.
 *
 * @module
 */

import { onAbort } from "../abort.ts";
import { sleep } from "../sleep.ts";
import { listen } from "../wakeups.ts";

/** Default of the store's `changePollMs`: how often it reads `PRAGMA data_version` while something waits. */
export const CHANGE_POLL_MS = 100;

/**
 * The shortest time between two reads of the change signal that file events
 * start: a process's own writes make events too (many per second under
 * load), and each costs a pragma; another process's commit is still seen
 * within this much of its event.
 */
export const EVENT_GAP_MS = 2;

/**
 * After a file event whose read found no change, read again this many ms
 * apart before falling back to the poll: the event can come with the first
 * write of another process's commit, before the commit is visible, and a
 * runtime may deliver only that one event for the whole commit (Bun does).
 * Doubling up to half a second: a long commit (a bulk create) is still seen
 * within about its own length; never further apart than `changePollMs`.
 */
export const EVENT_RECHECK_MS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/**
 * While the OS's watch of the database runs, and while nothing moved lately,
 * the poll of the change signal is only a safety net for a lost event: it
 * reads every this many ms (or `changePollMs` if longer). It keeps
 * `changePollMs` while a running task's cancel watch listens (`onChange`
 * with work: the watch is only kept while something waits), for this long
 * after a file event or a wait that was woken (a task about to start), and
 * once a poll found a commit no event had announced (a watch that misses
 * writes: a mount that does not notify, a path that moved), until an event
 * announces one again. The 100 ms poll was most of an idle process's CPU.
 */
export const EVENTS_POLL_MS = 1000;

/** setTimeout's largest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the watcher needs of its store. */
export interface WatchSource {
  /** The database's name in `wakeups.ts`. */
  key: unknown;
  /** Whether `dataVersion` works (a `file:` database other connections may write). */
  changeSignal: boolean;
  /** ms until the topic's next task is reservable (≤ 0: now), null when it has none. */
  nextReady(topic: string): Promise<number | null>;
  /** `nextReady` of several topics in one read (absent: one read each); a topic missing from the map has none. */
  nextReadyMany?(topics: string[]): Promise<Map<string, number | null>>;
  dataVersion(): Promise<number>;
  /** Aborts when the store closes: every wait then ends. */
  closed: AbortSignal;
  /** How often to read the change signal while something waits. */
  changePollMs: number;
  /**
   * Where the OS can tell of writes to the database file: subscribes `onEvent` (called on each, this
   * process's own writes too) until the returned function is called. Absent: the poll alone.
   */
  fileEvents?: (onEvent: () => void, onWatching?: (watching: boolean) => void) => () => void;
}

/** The waits of one store. */
export class Watcher {
  readonly #src: WatchSource;
  /** The callbacks of `onChange`, called when another process committed, each with whether it has work now. */
  readonly #onChange = new Map<() => void, () => boolean>();
  /** The OS's watch of the database runs (see `EVENTS_POLL_MS`). */
  #watching = false;
  /** No poll has found a commit that no event announced (since an event last announced one). */
  #trusted = true;
  /** Until when (performance.now()) the poll keeps `changePollMs` after a file event or a woken wait. */
  #activeUntil = 0;
  /** The poll loop's current pause is the long one (`#relaxed`). */
  #relaxedPause = false;
  /** The waits under way (`wait`): each one's topic and what to do when it learns how long until its next task. */
  readonly #waits = new Set<{ topic: string; dueIn(ms: number): void }>();
  #polling = false;
  #version: number | null = null;
  /** A file event came since the last read of the change signal. */
  #poked = false;
  /** Ends the poll loop's current pause (set while it pauses). */
  #wake: (() => void) | null = null;
  /** Waits under way that file events serve (`wait`, not `onChange`), and their subscription while any. */
  #eventWaits = 0;
  #offEvents: (() => void) | null = null;

  constructor(src: WatchSource) {
    this.#src = src;
  }

  /**
   * Resolves `true` as soon as a task of `topic` may be reservable (it may be
   * taken by someone else first: the caller reserves and waits again), or
   * `false` at the deadline or when `signal` aborts. Never rejects: a failed
   * look leaves the deadline as the fallback.
   */
  wait(topic: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (signal?.aborted || this.#src.closed.aborted) return resolve(false);
      let settled = false;
      let readyTimer: ReturnType<typeof setTimeout> | undefined;
      // a due time past the deadline needs no timer (and one past 2^31 ms would fire at once)
      const limit = Math.min(timeoutMs, MAX_TIMER_MS);
      let readyDue = performance.now() + limit;
      const finish = (woken: boolean) => {
        if (settled) return;
        settled = true;
        if (woken) this.#stayActive();
        clearTimeout(deadline);
        clearTimeout(readyTimer);
        unlisten();
        if (this.#waits.delete(self)) this.#eventWaitEnded();
        offSignal();
        offClosed();
        resolve(woken);
      };
      /** A task becomes reservable in `inMs`: wake then (or now). */
      const dueIn = (inMs: number) => {
        if (settled) return;
        if (inMs <= 0) return finish(true);
        // 1 ms late rather than early: a timer can fire up to 1 ms before its delay has passed by the
        // wall clock (Node counts it from the loop's whole-millisecond time), when the database's clock
        // still has the task not due, and the woken reservation would find nothing.
        const afterMs = inMs + 1;
        const due = performance.now() + afterMs;
        if (due >= readyDue) return;
        readyDue = due;
        clearTimeout(readyTimer);
        readyTimer = setTimeout(() => finish(true), afterMs);
      };
      const self = { topic, dueIn };
      const look = () => {
        this.#src.nextReady(topic).then((ms) => ms !== null && dueIn(ms), () => {});
      };
      const deadline = setTimeout(() => finish(false), limit);
      const unlisten = listen(this.#src.key, topic, dueIn);
      const offSignal = signal ? onAbort(signal, () => finish(false)) : () => {};
      const offClosed = onAbort(this.#src.closed, () => finish(false));
      if (this.#src.changeSignal) {
        this.#waits.add(self);
        this.#eventWaitStarted();
        if (!this.#polling) void this.#pollChanges(); // looks once it has its baseline
        else look();
      } else look();
    });
  }

  /**
   * Calls `look` each time another connection committed (polled while
   * anyone listens: see `EVENTS_POLL_MS`) until the returned function is
   * called; nothing on a database without the change signal. A failed look
   * is dropped: the next change looks again. While `busy()` says it has work,
   * the change signal is read every `changePollMs` even while a watch runs
   * (the watch is kept only while a wait is under way).
   */
  onChange(look: () => Promise<void>, busy: () => boolean = () => true): () => void {
    if (!this.#src.changeSignal || this.#src.closed.aborted) return () => {};
    const fn = () => void look().catch(() => {});
    this.#onChange.set(fn, busy);
    if (!this.#polling) void this.#pollChanges();
    else this.#hurry();
    return () => this.#onChange.delete(fn);
  }

  /** Polls the change signal while anyone waits or listens; a change makes every waiter look again. */
  async #pollChanges(): Promise<void> {
    this.#polling = true;
    try {
      // The baseline, then one more look by every waiter: a commit that came before the baseline (while
      // nobody polled) is seen by that look, every later one by a poll.
      this.#version = await this.#src.dataVersion().catch(() => null);
      this.#changed();
      let lastRead = performance.now();
      /** Index in EVENT_RECHECK_MS of the next re-read after an event that showed no change yet; -1: none. */
      let recheck = -1;
      while (this.#listening()) {
        this.#relaxedPause = recheck < 0 && this.#relaxed();
        const poked = await this.#pause(
          recheck >= 0
            ? Math.min(EVENT_RECHECK_MS[recheck], this.#src.changePollMs)
            : this.#relaxedPause
            ? this.#relaxedMs()
            : this.#src.changePollMs,
          lastRead,
        );
        this.#relaxedPause = false;
        if (!this.#listening() || this.#src.closed.aborted) break;
        lastRead = performance.now();
        let version: number;
        try {
          version = await this.#src.dataVersion();
        } catch {
          if (poked) recheck = Math.max(recheck, 0); // an event's read failed: read again soon, not in a second
          continue; // busy or closing: the waiters' deadlines still hold
        }
        if (version !== this.#version) {
          // a commit: announced by an event (or seen on its re-reads), or missed by the watch
          if (this.#watching) this.#trusted = poked || recheck >= 0;
          this.#changed();
          recheck = -1;
        } else if (poked) recheck = 0;
        else if (recheck >= 0 && ++recheck === EVENT_RECHECK_MS.length) recheck = -1;
        this.#version = version;
      }
    } finally {
      this.#polling = false;
    }
  }

  /**
   * Whether the next pause of the poll may be `EVENTS_POLL_MS` (see there). Re-judged after every read; a
   * pause so long ends early when the watch stops, a listener comes, a wait is woken or an event comes.
   */
  #relaxed(): boolean {
    if (!this.#watching || !this.#trusted || performance.now() < this.#activeUntil) return false;
    for (const busy of this.#onChange.values()) if (busy()) return false;
    return true;
  }

  /** The long pause of the poll (`EVENTS_POLL_MS`, or `changePollMs` if longer). */
  #relaxedMs(): number {
    return Math.max(EVENTS_POLL_MS, this.#src.changePollMs);
  }

  /** Ends a pause of `EVENTS_POLL_MS` now: what allowed it may have changed. */
  #hurry(): void {
    if (this.#relaxedPause) this.#wake?.();
  }

  /** Something moved: the poll keeps `changePollMs` for `EVENTS_POLL_MS`. */
  #stayActive(): void {
    this.#activeUntil = performance.now() + this.#relaxedMs();
    this.#hurry();
  }

  #listening(): boolean {
    return this.#onChange.size > 0 || this.#waits.size > 0;
  }

  /**
   * Another connection committed (or the poll just started): every `onChange` callback runs, and the waits
   * look again, one look per topic, and one read for all of them where the store can.
   */
  #changed(): void {
    [...this.#onChange.keys()].forEach((f) => f());
    const byTopic = new Map<string, ((ms: number) => void)[]>();
    for (const w of this.#waits) {
      const list = byTopic.get(w.topic);
      if (list) list.push(w.dueIn);
      else byTopic.set(w.topic, [w.dueIn]);
    }
    const tell = (topic: string, ms: number | null | undefined) => {
      if (ms !== null && ms !== undefined) byTopic.get(topic)!.forEach((f) => f(ms));
    };
    const topics = [...byTopic.keys()];
    if (topics.length > 1 && this.#src.nextReadyMany) {
      this.#src.nextReadyMany(topics).then((waits) => topics.forEach((t) => tell(t, waits.get(t))), () => {});
    } else {
      for (const t of topics) this.#src.nextReady(t).then((ms) => tell(t, ms), () => {});
    }
  }

  /**
   * File events are listened to while a wait is under way, and only then: a
   * busy process's own writes make thousands a second, each a callback (a
   * worker's cancel watch, `onChange`, keeps to the poll).
   */
  #eventWaitStarted(): void {
    if (this.#eventWaits++ === 0 && this.#src.fileEvents) {
      this.#offEvents = this.#src.fileEvents(() => {
        this.#poked = true;
        this.#activeUntil = performance.now() + this.#relaxedMs();
        this.#wake?.();
      }, (watching) => {
        this.#watching = watching;
        if (!watching) this.#hurry();
      });
    }
  }

  #eventWaitEnded(): void {
    if (--this.#eventWaits === 0) {
      this.#offEvents?.();
      this.#offEvents = null;
      this.#watching = false;
      this.#poked = false;
      this.#hurry();
    }
  }

  /**
   * Until `ms` have passed, or a file event came (then no sooner than `EVENT_GAP_MS` after the read at
   * `lastRead`), or the store closes. True when a file event ended it.
   */
  async #pause(ms: number, lastRead: number): Promise<boolean> {
    if (!this.#poked) {
      if (this.#src.closed.aborted) return false;
      await new Promise<void>((resolve) => {
        let offClosed = () => {};
        const done = () => {
          clearTimeout(timer);
          this.#wake = null;
          offClosed();
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.#wake = done;
        offClosed = onAbort(this.#src.closed, done);
      });
    }
    if (this.#poked) {
      this.#poked = false;
      const gap = lastRead + EVENT_GAP_MS - performance.now();
      if (gap > 0) await sleep(gap);
      return true;
    }
    return false;
  }
}
