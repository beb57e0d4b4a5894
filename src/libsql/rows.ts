/**
 * Mapping of `sokka_tasks` rows (in `COLUMNS` order) to `Task`s.
 *
 * @module
 */

import type { Row } from "@libsql/client";
import type { Task, TaskStatus } from "../types.ts";

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The Task a row holds; `data` is parsed from its JSON text. */
export function rowToTask<D>(row: Row): Task<D> {
  return {
    taskId: row.task_id as string,
    taskGroupId: row.task_group_id as string,
    taskDescription: strOrNull(row.task_description),
    topic: row.topic as string,
    subTopic: row.sub_topic as string,
    status: row.status as TaskStatus,
    // the column keeps the last owner; the Task's pid is the owner only while running
    pid: row.status === "running" ? strOrNull(row.pid) : null,
    lastPid: strOrNull(row.pid),
    recordVer: Number(row.record_ver),
    error: strOrNull(row.error),
    snoozeTime: numOrNull(row.snooze_time),
    timeoutMs: numOrNull(row.timeout_ms),
    data: JSON.parse(row.data as string) as D,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    attempts: Number(row.attempts),
    leaseId: strOrNull(row.lease_id),
    leaseExpiresAt: numOrNull(row.lease_expires_at),
  };
}
