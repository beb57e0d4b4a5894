/**
 * Mapping of the rows statements return (`COLUMNS`: the row as one JSON
 * array `r`, holding `backoff` and `result` as JSON texts, and `data`) to `Task`s.
 *
 * @module
 */

import type { Row } from "../drivers/driver.ts";
import type { Backoff, Dependency, DependencyFailurePolicy, Task, TaskStatus, UniquePolicy } from "../types.ts";

type RowArray = [
  taskId: string,
  /** null: the task's own group (see the schema) */
  taskGroupId: string | null,
  taskDescription: string | null,
  topic: string,
  subTopic: string,
  status: TaskStatus,
  pid: string | null,
  recordVer: number,
  error: string | null,
  snoozeTime: number | null,
  timeoutMs: number | null,
  createdAt: number,
  updatedAt: number,
  attempts: number,
  leaseId: string | null,
  leaseExpiresAt: number | null,
  priority: number,
  maxAttempts: number | null,
  backoffJson: string | null,
  failures: number,
  readyAt: number | null,
  resultJson: string | null,
  scheduleName: string | null,
  slotAt: number | null,
  /** JSON text {key, policy, ms, maxMs} */
  uniqueDef: string | null,
  /** JSON text {on, policy, group?} */
  deps: string | null,
  dependants: number | null,
  /** `[id, status][]`, as JSON or as its text (a driver may pass a subquery's JSON on as text) */
  dependsOn: [string, TaskStatus | null][] | string | null,
  partitionKey: string | null,
];

/** The policy a row's unique columns say. */
export function uniquePolicy(
  policy: "active" | "queued" | "period" | "debounce" | null,
  ms: number | null,
  maxMs: number | null,
): UniquePolicy | null {
  if (policy === null) return null;
  if (policy === "period") return { periodMs: ms! };
  if (policy === "debounce") return maxMs === null ? { debounceMs: ms! } : { debounceMs: ms!, maxWaitMs: maxMs };
  return policy;
}

function dependencies(v: RowArray[27]): Dependency[] {
  if (v === null) return [];
  const list = typeof v === "string" ? JSON.parse(v) as [string, TaskStatus | null][] : v;
  return list.map(([taskId, status]) => ({ taskId, status }));
}

/** A row's `unique_def`. */
interface UniqueDef {
  key: string;
  policy: "active" | "queued" | "period" | "debounce";
  ms?: number | null;
  maxMs?: number | null;
}

/** A row's `deps`. */
interface DepsDef {
  on: string[] | null;
  policy: DependencyFailurePolicy;
  group?: string;
}

/** Set by `rowToTask` when given: whether the row's task has dependants (its ending may have moved them). */
export interface RowFlags {
  dependants: boolean;
}

/** The Task a row holds; `data` is parsed from its JSON text. `flags.dependants` is set when some row had dependants. */
export function rowToTask<D>(row: Row, flags?: RowFlags): Task<D> {
  const a = JSON.parse(row.r as string) as RowArray;
  if (flags && a[26] === 1) flags.dependants = true;
  const u = a[24] === null ? null : JSON.parse(a[24]) as UniqueDef;
  const d = a[25] === null ? null : JSON.parse(a[25]) as DepsDef;
  return {
    taskId: a[0],
    taskGroupId: a[1] ?? a[0],
    taskDescription: a[2],
    topic: a[3],
    subTopic: a[4],
    status: a[5],
    // the column keeps the last owner; the Task's pid is the owner only while running
    pid: a[5] === "running" ? a[6] : null,
    lastPid: a[6],
    recordVer: a[7],
    error: a[8],
    snoozeTime: a[9],
    timeoutMs: a[10],
    data: JSON.parse(row.data as string) as D,
    createdAt: a[11],
    updatedAt: a[12],
    attempts: a[13],
    leaseId: a[14],
    leaseExpiresAt: a[15],
    priority: a[16],
    maxAttempts: a[17],
    backoff: a[18] === null ? null : JSON.parse(a[18]) as Backoff,
    failures: a[19],
    // ready_at is the lease's end while running and NULL once final: runAt only shows it while waiting
    runAt: a[5] === "starting" || a[5] === "snoozed" ? a[20] : null,
    result: a[21] === null ? null : JSON.parse(a[21]),
    scheduleName: a[22],
    slotAt: a[23],
    uniqueKey: u?.key ?? null,
    unique: u ? uniquePolicy(u.policy, u.ms ?? null, u.maxMs ?? null) : null,
    dependsOn: dependencies(a[27]),
    onDependencyFailure: d?.policy ?? null,
    followUpOf: d?.group ?? null,
    partitionKey: a[28] ?? null,
  };
}

/**
 * The task `base` (as reserved by `pid`) after its fenced terminate wrote
 * `resultJson` and gave it `recordVer` and `updatedAt`: what `rowToTask` reads
 * back from the row then (`TERMINATE` in statements/outcomes.ts), built without reading it.
 * While the lease held, only its owner's keepalives changed the row, and a
 * terminate clears every field they touch.
 */
export function terminatedTask<D>(
  base: Task<D>,
  pid: string,
  resultJson: string | null,
  recordVer: number,
  updatedAt: number,
): Task<D> {
  return {
    ...base,
    status: "terminated",
    pid: null,
    lastPid: pid,
    recordVer,
    updatedAt,
    leaseId: null,
    leaseExpiresAt: null,
    runAt: null,
    result: resultJson === null ? null : JSON.parse(resultJson),
  };
}
