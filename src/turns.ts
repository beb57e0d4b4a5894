/**
 * The next macrotask, with web standards only: a MessageChannel message runs
 * after the current task and its microtasks, without setTimeout's 1 ms (or,
 * in some runtimes, 4 ms) floor. The port is listened to only while
 * something is scheduled, so an idle store never keeps a process alive.
 *
 * @module
 */

/** Schedules callbacks for the next macrotask; several scheduled in one task share one message. */
export class NextTurn {
  #port: { a: MessagePort; b: MessagePort } | null = null;
  #queued: (() => void)[] = [];

  schedule(fn: () => void): void {
    this.#queued.push(fn);
    if (this.#queued.length > 1) return;
    if (!this.#port) {
      const ch = new MessageChannel();
      this.#port = { a: ch.port1, b: ch.port2 };
    }
    const { a, b } = this.#port;
    a.onmessage = () => {
      a.onmessage = null; // unlistened: the port no longer holds the event loop open
      const fns = this.#queued;
      this.#queued = [];
      for (const f of fns) f();
    };
    b.postMessage(0);
  }

  close(): void {
    this.#port?.a.close();
    this.#port?.b.close();
    this.#port = null;
  }
}
