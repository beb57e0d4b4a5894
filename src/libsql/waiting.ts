/**
 * Waiting on the libSQL store: `waitForTask` (woken in this process by
 * announcements, from other processes by `PRAGMA data_version`, else at the
 * topic's next due time) and `watchCancels` (a running task cancelled here or
 * by another process).
 *
 * @module
 */

import * as v from "valibot";
import { TaskError } from "../errors.ts";
import { checkArg, fields, Name, NonNegativeMs, parseOrThrow } from "../schemas.ts";
import type { WaitOptions } from "../types.ts";
import { listenCancels, markLimited } from "../wakeups.ts";
import type { Settings } from "./context.ts";
import { oneRow, type Row } from "../drivers/driver.ts";
import type { Session } from "./session.ts";
import { CANCELLED_AMONG, DATA_VERSION } from "./statements/reads.ts";
import { NEXT_READY, NEXT_READY_KEYED, NEXT_READY_MANY } from "./statements/reserve.ts";
import { Watcher } from "./watch.ts";

const WaitOptionsSchema = v.optional(fields({
  timeoutMs: v.optional(NonNegativeMs),
  signal: v.optional(v.custom<AbortSignal>((s) => s instanceof AbortSignal, "must be an AbortSignal")),
}, "waitForTask options ({ timeoutMs, signal })"));

/** The waits of one store, until `closed` aborts. */
export class Waiting {
  readonly #watcher: Watcher;
  readonly #session: Session;
  readonly #key: unknown;
  readonly #isClosed: () => boolean;

  /**
   * `partitioned`: the store's belief of which topics have partitioned limits, corrected by every idle look
   * (a topic partitioned by another process is reserved with its own statement from then on).
   */
  constructor(
    session: Session,
    settings: Settings,
    closed: AbortSignal,
    isClosed: () => boolean,
    partitioned: Set<string>,
  ) {
    this.#session = session;
    this.#key = settings.key;
    this.#isClosed = isClosed;
    /**
     * A topic's wait from its `NEXT_READY` row (none: paused): a partitioned topic's from a second look, for
     * those topics only; what the row says of its limits is noted on the way.
     */
    const settle = async (topic: string, row: Row | undefined): Promise<number | null> => {
      if (row && Number(row.partitioned) === 1) {
        row = (await session.run(oneRow(NEXT_READY_KEYED, [topic]), "read", "waitForTask")).rows[0];
      }
      if (!row) return null;
      // a limited topic's waiters are woken when a running task of it ends here (its slot is free)
      if (Number(row.limited) === 1) markLimited(settings.key, topic);
      if (Number(row.partitioned) === 1) partitioned.add(topic);
      else partitioned.delete(topic);
      return row.wait === null || row.wait === undefined ? null : Number(row.wait);
    };
    this.#watcher = new Watcher({
      key: settings.key,
      changeSignal: settings.changeSignal,
      closed,
      changePollMs: settings.changePollMs,
      fileEvents: settings.fileEvents,
      nextReady: async (topic) => {
        const rs = await session.run(oneRow(NEXT_READY, [topic]), "read", "waitForTask");
        return await settle(topic, rs.rows[0]);
      },
      nextReadyMany: async (topics) => {
        const rs = await session.run(
          { sql: NEXT_READY_MANY, args: [JSON.stringify(topics)] },
          "read",
          "waitForTask",
        );
        const rows = new Map(rs.rows.map((r) => [r.topic as string, r]));
        // a paused topic has no row: no wait (a resume announces itself, or moves the change signal)
        return new Map(await Promise.all(topics.map(async (t) => [t, await settle(t, rows.get(t))] as const)));
      },
      dataVersion: async () => {
        const rs = await session.run(oneRow(DATA_VERSION), "read", "waitForTask");
        return Number(rs.rows[0].data_version);
      },
    });
  }

  waitForTask(topic: string, opts?: WaitOptions): Promise<boolean> {
    try {
      checkArg(Name, topic, "waitForTask", "topic");
      const o = parseOrThrow(WaitOptionsSchema, opts, "waitForTask", "invalid-options");
      if (this.#isClosed()) throw new TaskError("unavailable", "store-closed", "waitForTask: the store is closed");
      return this.#watcher.wait(topic, o?.timeoutMs ?? 30_000, o?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  watchCancels(running: () => readonly string[], onCancel: (taskId: string, reason: string) => void): () => void {
    const offHere = listenCancels(this.#key, onCancel);
    // another process's cancel: looked for among the running ids only when another connection committed
    const offThere = this.#watcher.onChange(async () => {
      const ids = running();
      if (!ids.length || this.#isClosed()) return;
      const rs = await this.#session.run(
        { sql: CANCELLED_AMONG, args: [JSON.stringify(ids)] },
        "read",
        "watchCancels",
      );
      for (const r of rs.rows) onCancel(r.task_id as string, (r.error as string | null) ?? "");
    }, () => running().length > 0);
    return () => {
      offHere();
      offThere();
    };
  }
}
