/**
 * The lease statements: a worker's keepalive (`EXTEND_LEASE`) and a
 * hand-back (`REVOKE_LEASE`), each over a JSON array of tuples (`tuples.ts`).
 *
 * @module
 */

import { fencedGuard, lit, statusIn } from "./guards.ts";
import { COLUMNS, NO_LEASE, NOW, TOUCH } from "./fragments.ts";
import { type FencedTuple, REVOKE_TUPLES, type RevokeTuple, TUPLES } from "./tuples.ts";
import { fromOf, TRANSITIONS } from "../../transitions.ts";

/** Tuples `extendTuple`. Refuses an expired lease. */
export const EXTEND_LEASE = `UPDATE sokka_tasks
  SET lease_expires_at = ${NOW} + w_v, ready_at = ${NOW} + w_v, ${TOUCH}
  ${TUPLES} AND ${fencedGuard("extendLease")} AND lease_expires_at > ${NOW}
  RETURNING ${COLUMNS}`;

/** A keepalive of `taskId`'s lease by `pid` for `leaseMs` more. */
export const extendTuple = (taskId: string, pid: string, leaseId: string | null, leaseMs: number): FencedTuple => [
  taskId,
  pid,
  leaseId,
  leaseMs,
];

/** Tuples `RevokeTuple`. A parked task → starting, reservable at once. */
export const REVOKE_LEASE = `UPDATE sokka_tasks
  SET status = ${lit(TRANSITIONS.revokeLease.to[0])}, ${NO_LEASE}, ready_at = ${NOW}, ${TOUCH}
  ${REVOKE_TUPLES} AND record_ver = w_rv AND ${statusIn(fromOf("revokeLease", "recordVer"), "+status")}
  RETURNING ${COLUMNS}`;

/** A hand-back of `taskId` at the version the caller read. */
export const revokeTuple = (taskId: string, recordVer: number): RevokeTuple => [taskId, recordVer];
