/**
 * Loading a runtime's own modules (`node:sqlite`, `bun:sqlite`, `node:fs`)
 * and optional packages (`better-sqlite3`, `libsql`) by a computed name: a
 * bundle for an edge runtime, which has no `file:` databases, then contains
 * none of them, and a runtime without one simply gets `null`.
 *
 * @module
 */

/** The first of `names` that loads, or null when none does. */
export async function importOptional(names: string[]): Promise<any | null> {
  for (const name of names) {
    try {
      return await import(/* @vite-ignore */ name);
    } catch {
      // not here: try the next name
    }
  }
  return null;
}

/**
 * How a synchronous driver yields the event-loop turn that lets timers and
 * I/O run (and a Node-API library free native memory): `setImmediate` where
 * the runtime has it (Node, Bun, Deno: the check phase, with no 1 ms floor as
 * `setTimeout` has), every 100 rows moved. Measured with `libsql`
 * (`bench.mjs --one rss`, 100,000 tasks, c=32): RSS grew +53–55 MB yielding
 * every 50, 100 or 200 rows this way, as with `setTimeout` every 450; a
 * worker at c=32 ran ~29k tasks/s with `setTimeout` every 450 and ~33.5k with
 * this every 100.
 */
const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
export const IMMEDIATE_TURNS: { every: number; yield(): Promise<void> } = immediate
  ? { every: 100, yield: () => new Promise<void>((r) => void immediate(r)) }
  : { every: 450, yield: () => new Promise<void>((r) => setTimeout(r, 0)) };
