/**
 * The helpers the TaskQ contract suites (test/taskq*.contract.ts) use, with
 * no `node:` import and no vitest import: the suites run in Node, Bun and
 * Deno (through test/helpers.ts, which re-exports these) and inside workerd
 * (test/workerd/, the store on D1 and on a Durable Object's SQLite).
 */
import type { TaskQ, TaskQOptions } from "../mod.ts";

/** A database the contract suite runs against. */
export interface Target {
  name: string;
  /** A fresh, empty store (and how to clean it up). */
  make(opts?: TaskQOptions): { taskq: TaskQ; cleanup(): Promise<void> };
  /** Its database is shared with tests running at the same time (the suite's server): a test must not prune it whole. */
  shared?: true;
}

let counter = 0;
/** A name no other test uses (topics and ids on a shared remote database). */
export function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<any> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection, but it resolved");
}
