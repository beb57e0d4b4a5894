/**
 * Reserving tasks on the libSQL store: `reserveTask`, `reserveTasks` and the
 * reservation a worker's writes carry (`applyWritesAndReserve`), validated
 * into their statements (`statements/reserve.ts`).
 *
 * @module
 */

import * as v from "valibot";
import { checkArg, fields, intRange, Name, parseOrThrow, PositiveMs } from "../schemas.ts";
import type { ReserveManyOptions, ReserveOptions, Task } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { oneRow } from "../drivers/driver.ts";
import { type RowFlags, rowToTask } from "./rows.ts";
import {
  RESERVE_MANY,
  RESERVE_MANY_EXCEPT,
  RESERVE_ONE,
  type ReserveManyArgs,
  type ReserveOneArgs,
} from "./statements/reserve.ts";
import { RESERVE_MANY_EXCEPT_KEYED, RESERVE_MANY_KEYED, RESERVE_ONE_KEYED } from "./statements/reserve-keyed.ts";
import { partitionedChanged } from "./limits.ts";
import { reservedOf } from "./writes.ts";

/** The statement reserving up to n tasks of `topic`: a partitioned topic has its own (see limits.ts). */
export function reserveManySql(ctx: StoreContext, topic: string): string {
  return ctx.partitioned.has(topic) ? RESERVE_MANY_KEYED : RESERVE_MANY;
}

/** `reserveMany` of `topic` as the store believes its limits are, passing over `except` (ids) when given. */
function reserveMany(
  ctx: StoreContext,
  topic: string,
  pid: string,
  leaseMs: number,
  n: number,
  except?: readonly string[],
): { sql: string; args: ReserveManyArgs | [...ReserveManyArgs, string] } {
  const keyed = ctx.partitioned.has(topic);
  return except?.length
    ? {
      sql: keyed ? RESERVE_MANY_EXCEPT_KEYED : RESERVE_MANY_EXCEPT,
      args: [topic, pid, leaseMs, n, JSON.stringify(except)],
    }
    : { sql: keyed ? RESERVE_MANY_KEYED : RESERVE_MANY, args: [topic, pid, leaseMs, n] };
}

const BatchSize = intRange(1, 1000);
const ReserveRequestSchema = fields({
  topic: Name,
  pid: Name,
  n: BatchSize,
  leaseTimeMs: v.optional(PositiveMs),
}, "a reservation { topic, pid, n, leaseTimeMs? }");
const ReserveOptionsSchema = v.optional(fields({ leaseTimeMs: v.optional(PositiveMs) }, "reserve options"));
const ReserveManyOptionsSchema = v.optional(fields({
  leaseTimeMs: v.optional(PositiveMs),
  exceptTaskIds: v.optional(
    v.pipe(v.array(Name, "must be an array of task ids"), v.maxLength(1000, "must hold at most 1000 task ids")),
  ),
}, "reserveTasks options"));

/** The validated topic, pid and options of a reservation, the store's lease time applied. */
function reserveArgs(
  ctx: StoreContext,
  topic: string,
  pid: string,
  opts: ReserveOptions | undefined,
  what: string,
  schema: typeof ReserveManyOptionsSchema | typeof ReserveOptionsSchema,
): { lease: number; except?: readonly string[] } {
  checkArg(Name, topic, what, "topic");
  checkArg(Name, pid, what, "pid");
  const o: v.InferOutput<typeof ReserveManyOptionsSchema> = parseOrThrow(schema, opts, what);
  return { lease: o?.leaseTimeMs ?? ctx.leaseTimeMs, except: o?.exceptTaskIds };
}

/** `reserveTask`: one due task of `topic` for `pid`, or null. */
export async function reserveOne<D>(
  ctx: StoreContext,
  topic: string,
  pid: string,
  opts?: ReserveOptions,
): Promise<Task<D> | null> {
  const { lease } = reserveArgs(ctx, topic, pid, opts, "reserveTask", ReserveOptionsSchema);
  const args: ReserveOneArgs = [topic, pid, lease];
  // a task whose attempts ran out with its last lease ends failed in the reservation that finds it; then look again
  for (;;) {
    const sql = ctx.partitioned.has(topic) ? RESERVE_ONE_KEYED : RESERVE_ONE;
    const rs = await ctx.run(oneRow(sql, args), "write", "reserveTask");
    if (!rs.rows.length) {
      // nothing, or the wrong statement for the topic's limits (changed by another process): look once
      if (await partitionedChanged(ctx, topic, "reserveTask")) continue;
      return null;
    }
    const flags: RowFlags = { dependants: false };
    const t = rowToTask<D>(rs.rows[0], flags);
    if (flags.dependants) ctx.announceAll();
    if (t.status === "running") return t;
  }
}

/** `reserveTasks`: up to `n` due tasks of `topic` for `pid`. */
export async function reserveSome<D>(
  ctx: StoreContext,
  topic: string,
  pid: string,
  n: number,
  opts?: ReserveManyOptions,
): Promise<Task<D>[]> {
  const { lease, except } = reserveArgs(ctx, topic, pid, opts, "reserveTasks", ReserveManyOptionsSchema);
  checkArg(BatchSize, n, "reserveTasks", "n");
  const out: Task<D>[] = [];
  // a task whose attempts ran out with its last lease ends failed in the reservation that finds it and takes
  // a place of the n: look again for those places (as reserveOne does), else a short answer reads as "no more"
  for (;;) {
    const m = n - out.length;
    let rs;
    try {
      rs = await ctx.run(reserveMany(ctx, topic, pid, lease, m, except), "write", "reserveTasks", m);
    } catch (e) {
      if (out.length === 0) throw e;
      break; // what the first statement reserved is committed and leased: hand it over, never drop it
    }
    if (!rs.rows.length && out.length === 0 && await partitionedChanged(ctx, topic, "reserveTasks")) continue;
    const flags: RowFlags = { dependants: false };
    const got = reservedOf<D>(rs.rows, flags);
    if (flags.dependants) ctx.announceAll();
    out.push(...got);
    // a partitioned topic's statement takes at most one task per key: look again while it finds some
    const keyed = ctx.partitioned.has(topic) && rs.rows.length > 0;
    if ((got.length === rs.rows.length && !keyed) || out.length === n) break;
  }
  return out;
}

/** The reservation `applyWritesAndReserve` sends after its writes, validated. */
export function reserveAfter(
  ctx: StoreContext,
  reserve: { topic: string; pid: string; n: number; leaseTimeMs?: number },
): { sql: string; args: ReserveManyArgs } {
  const r = parseOrThrow(ReserveRequestSchema, reserve, "applyWritesAndReserve");
  return { sql: reserveManySql(ctx, r.topic), args: [r.topic, r.pid, r.leaseTimeMs ?? ctx.leaseTimeMs, r.n] };
}
