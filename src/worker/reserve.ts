/**
 * Reserving up to `n` tasks in one statement, the one way the worker and
 * `drain()` take work.
 *
 * @module
 */

import type { Task } from "../types.ts";
import type { Settled } from "./options.ts";

const NONE: ReadonlySet<string> = new Set();

/** Up to `n` tasks of the topic, each with its own lease, in one round trip; none of `except` (ids). */
export function reserve(
  o: Pick<Settled, "taskq" | "topic" | "pid" | "leaseTimeMs">,
  n: number,
  except: ReadonlySet<string> = NONE,
): Promise<Task[]> {
  if (except.size > 0) {
    return o.taskq.reserveTasks(o.topic, o.pid, n, { leaseTimeMs: o.leaseTimeMs, exceptTaskIds: [...except] });
  }
  if (n === 1) {
    return o.taskq.reserveTask(o.topic, o.pid, { leaseTimeMs: o.leaseTimeMs }).then((t) => (t ? [t] : []));
  }
  return o.taskq.reserveTasks(o.topic, o.pid, n, { leaseTimeMs: o.leaseTimeMs });
}
