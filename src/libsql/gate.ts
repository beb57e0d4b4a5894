/**
 * A counting gate: at most `size` callers inside at once, the rest wait in
 * order (the connection's limit on write requests to a server).
 *
 * @module
 */

/** At most `size` operations run at once; the others wait their turn, first come first served. */
export class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await op();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next in line
      else this.#free++;
    }
  }
}
