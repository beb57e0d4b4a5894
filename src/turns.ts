/**
 * The next macrotask, with web standards only: a MessageChannel message runs
 * after the current task and its microtasks, without setTimeout's 1 ms floor
 * (which a busy route would pay on every request). Making a channel costs
 * more than a statement in Node, so a store keeps one while it is busy; its
 * port is listened to only while something is scheduled (so Node and Bun can
 * exit), and it is closed after `IDLE_MS` without use: an open port keeps
 * Deno's event loop alive even when no one listens.
 *
 * @module
 */

const IDLE_MS = 1_000;

/** Schedules callbacks for the next macrotask; several scheduled in one task share one message. */
export class NextTurn {
  #ports: { a: MessagePort; b: MessagePort } | null = null;
  #queued: (() => void)[] = [];
  #lastUse = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  schedule(fn: () => void): void {
    this.#queued.push(fn);
    if (this.#queued.length > 1) return;
    this.#lastUse = performance.now();
    if (!this.#ports) {
      const ch = new MessageChannel();
      this.#ports = { a: ch.port1, b: ch.port2 };
      this.#armIdle(IDLE_MS);
    }
    const { a, b } = this.#ports;
    // listened to only while something waits: Node and Bun then let the process exit at once
    a.onmessage = () => {
      a.onmessage = null;
      const fns = this.#queued;
      this.#queued = [];
      for (const f of fns) f();
    };
    b.postMessage(0);
  }

  /** Closes the channel once it has gone unused for IDLE_MS (a later schedule makes a new one). */
  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      const idleFor = performance.now() - this.#lastUse;
      if (idleFor >= IDLE_MS && this.#queued.length === 0) this.close();
      else this.#armIdle(Math.max(1, IDLE_MS - idleFor));
    }, ms);
    // where timers can be unreferenced (Node, Bun), this one does not keep the process alive by itself
    (this.#idleTimer as { unref?: () => void }).unref?.();
  }

  close(): void {
    clearTimeout(this.#idleTimer);
    this.#ports?.a.close();
    this.#ports?.b.close();
    this.#ports = null;
  }
}
