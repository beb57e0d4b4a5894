/**
 * Loading a runtime's own modules (`node:sqlite`, `bun:sqlite`, `node:fs`)
 * and optional packages (`better-sqlite3`, `libsql`) by a computed name: a
 * bundle for an edge runtime, which has no `file:` databases, then contains
 * none of them, and a runtime without one simply gets `null`.
 *
 * @module
 */

import { sleep } from "../sleep.ts";

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
 * `setTimeout` has), every 100 rows moved (docs/performance.md, "Event-loop
 * turns").
 */
const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
export const IMMEDIATE_TURNS: { every: number; yield(): Promise<void> } = immediate
  ? { every: 100, yield: () => new Promise<void>((r) => void immediate(r)) }
  : { every: 450, yield: () => sleep(0) };
