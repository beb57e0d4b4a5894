/**
 * The Durable Object helpers refuse what is not theirs with a TaskError
 * naming the field (`bad-request/invalid-options`), before touching storage.
 */
import { expect, it } from "vitest";
import { drainOnAlarm, durableObjectSql, ensureAlarm, nextWakeAt, ok, TaskError } from "../../mod.ts";
import { rejection } from "../helpers.ts";

/** A storage whose every use fails the test: a refusal must come before any. */
const untouchable = new Proxy({}, {
  get(_t, key) {
    if (key === "then") return undefined;
    return () => {
      throw new Error(`storage.${String(key)} was used`);
    };
  },
}) as any;

function refused(e: unknown, message: RegExp) {
  expect(e).toBeInstanceOf(TaskError);
  expect((e as TaskError).code).toBe("invalid-options");
  expect((e as TaskError).message).toMatch(message);
}

it("durableObjectSql takes a Durable Object's SQLite storage only", async () => {
  for (const bad of [undefined, null, {}, { sql: {} }, { sql: { exec() {} } }]) {
    refused(await rejection(() => durableObjectSql(bad as any)), /^durableObjectSql: storage must be a Durable Object/);
  }
});

it("nextWakeAt and ensureAlarm name a bad storage or topics", async () => {
  refused(await rejection(() => nextWakeAt({} as any)), /^nextWakeAt: storage.*must be a Durable Object/);
  const sqlOnly = { sql: { exec: untouchable.exec }, transactionSync: untouchable.transactionSync };
  refused(await rejection(() => nextWakeAt(sqlOnly, { topics: "t" } as any)), /topics must be an array/);
  refused(await rejection(() => nextWakeAt(sqlOnly, { topics: [""] })), /topics/);
  refused(await rejection(() => nextWakeAt(sqlOnly, { topic: ["t"] } as any)), /topic/);
  refused(await rejection(ensureAlarm(sqlOnly as any)), /^ensureAlarm: storage.*alarm/);
});

it("drainOnAlarm names a missing store, storage, drain or a topic given twice", async () => {
  const storage = {
    sql: { exec: untouchable.exec },
    transactionSync: untouchable.transactionSync,
    getAlarm: untouchable.getAlarm,
    setAlarm: untouchable.setAlarm,
    deleteAlarm: untouchable.deleteAlarm,
  };
  const taskq = { fireSchedules: untouchable.fireSchedules } as any;
  const pfn = () => ok();
  refused(await rejection(drainOnAlarm({ storage, drains: [{ topic: "t", pfn }] } as any)), /taskq/);
  refused(await rejection(drainOnAlarm({ taskq, storage: {}, drains: [{ topic: "t", pfn }] } as any)), /storage/);
  refused(await rejection(drainOnAlarm({ taskq, storage, drains: [] })), /drains must hold a drain/);
  refused(
    await rejection(drainOnAlarm({ taskq, storage, drains: [{ topic: "t", pfn }, { topic: "t", pfn }] })),
    /drains must name each topic once/,
  );
  refused(await rejection(drainOnAlarm({ taskq, storage, drains: [{ topic: "t", pfn }], retryMs: -1 })), /retryMs/);
});
