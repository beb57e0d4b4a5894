/**
 * In-process wake-ups: a store that makes tasks reservable (creates them,
 * hands them back, snoozes them) announces it here, and whatever waits on
 * the same database and topic in this process — idle workers, drains, HTTP
 * long polls — hears it at once, without a round trip. Plain callbacks and
 * timers only, so it works in every runtime.
 *
 * A database is named by a key: the URL of a store's own client (stores of
 * one process on one URL hear each other), or the injected client object.
 *
 * @module
 */

/** Called with how many ms from now a task of the topic becomes reservable (0: now). */
export type WakeListener = (inMs: number) => void;

/** Listeners by database, then by topic. A key is dropped with its last listener. */
const listeners = new Map<unknown, Map<string, Set<WakeListener>>>();

/** Tells this process's waiters on `key`/`topic` that a task is reservable in `inMs` ms (after its commit). */
export function announce(key: unknown, topic: string, inMs = 0): void {
  const set = listeners.get(key)?.get(topic);
  if (!set) return;
  for (const fn of [...set]) fn(inMs);
}

/**
 * Tells every waiter on `key`, whatever its topic, to look now: a write that
 * ended a task with dependants may have started some of them (the database
 * moved them, in the same statement), on topics the writer does not know.
 */
export function announceAll(key: unknown): void {
  const topics = listeners.get(key);
  if (!topics) return;
  for (const set of [...topics.values()]) for (const fn of [...set]) fn(0);
}

/** Topics known to have limits, by database (`setTopicLimits` here, or an idle waiter's look). */
const limited = new Map<unknown, Set<string>>();

/** Notes that `topic` of `key` has limits: the end of one of its running tasks frees a slot, announced. */
export function markLimited(key: unknown, topic: string): void {
  let set = limited.get(key);
  if (!set) limited.set(key, set = new Set());
  set.add(topic);
}

/**
 * Tells this process's waiters on `key` that running `tasks` ended
 * (after the commit): a limited topic's waiters look again, as its
 * concurrency may have room now. Other topics' waiters are left alone.
 */
export function announceEnded(key: unknown, tasks: Iterable<{ topic: string }>): void {
  const set = limited.get(key);
  if (!set || !listeners.has(key)) return; // no limited topic known here: nothing to walk
  const told = new Set<string>();
  for (const { topic } of tasks) {
    if (set.has(topic) && !told.has(topic)) {
      told.add(topic);
      announce(key, topic, 0);
    }
  }
}

/** Whether anything in this process waits on `key` (announcing costs nothing then). */
export function listening(key: unknown): boolean {
  return listeners.has(key);
}

/** Calls `fn` on each announcement for `key`/`topic` until the returned function is called. */
export function listen(key: unknown, topic: string, fn: WakeListener): () => void {
  let topics = listeners.get(key);
  if (!topics) listeners.set(key, topics = new Map());
  let set = topics.get(topic);
  if (!set) topics.set(topic, set = new Set());
  set.add(fn);
  return () => {
    set!.delete(fn);
    if (set!.size === 0 && topics!.get(topic) === set) {
      topics!.delete(topic);
      if (topics!.size === 0 && listeners.get(key) === topics) listeners.delete(key);
    }
  };
}

/** How many listeners wait on `key`/`topic` (tests: a cancelled long poll stops listening). */
export function listenerCount(key: unknown, topic: string): number {
  return listeners.get(key)?.get(topic)?.size ?? 0;
}

/** Called with the id of a task just cancelled, and the reason kept with it. */
export type CancelListener = (taskId: string, reason: string) => void;

/** Cancel listeners by database: running executions learn of a cancel here without waiting for a keepalive. */
const cancelListeners = new Map<unknown, Set<CancelListener>>();

/** Tells this process's listeners on `key` that `taskId` was cancelled (after the commit). */
export function announceCancel(key: unknown, taskId: string, reason: string): void {
  const set = cancelListeners.get(key);
  if (set) { for (const fn of [...set]) fn(taskId, reason); }
}

/** Calls `fn` on each cancel committed on `key` in this process until the returned function is called. */
export function listenCancels(key: unknown, fn: CancelListener): () => void {
  let set = cancelListeners.get(key);
  if (!set) cancelListeners.set(key, set = new Set());
  set.add(fn);
  return () => {
    set!.delete(fn);
    if (set!.size === 0 && cancelListeners.get(key) === set) cancelListeners.delete(key);
  };
}
