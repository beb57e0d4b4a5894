/**
 * Acknowledged means committed: every write path, run against a database on a
 * disk that is full (a tmpfs this test mounts and fills), either commits or
 * rejects with a store error (`unavailable`, HTTP 503), and afterwards, with
 * room again, every acknowledged write is in the database and no refused one
 * is. A full disk fails the WAL write at COMMIT; `PRAGMA max_page_count`
 * would fail the statement instead and hide a driver that reports a row
 * before its commit (seen: `createTask` resolved 300 times on a full disk and
 * not one task was stored). Also a remote store on a sqld whose data sits on
 * a full disk, and workers whose outcome writes (lone and batched) fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@libsql/client";
import { statSync } from "node:fs";
import { join } from "node:path";
import { createTaskQ, ok, type Task, TaskError, type TaskQ, worker } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { openApiDocument } from "../src/http/openapi.ts";
import { mountSmallDisk, type SmallDisk } from "./full-disk.ts";
import { type Sqld, startSqld } from "./sqld.ts";
import { fileDrivers, waitFor } from "./helpers.ts";
import type { SqliteDriverName } from "../src/drivers/sqlite-library.ts";

/** Text of a driver's own error that must never reach an answer. */
const RAW_DRIVER_TEXT = /SQLITE_|disk I\/O error|database or disk is full|unable to open|SQLite error/i;

/** What a write on the full disk came to. */
type Outcome = { acked: true; value: unknown } | { acked: false; error: unknown };

/** One write path: its seed (with room on the disk), the write (on the full disk), and where its effect shows. */
interface Case {
  name: string;
  seed?(q: TaskQ): Promise<Record<string, any>>;
  act(q: TaskQ, s: Record<string, any>): Promise<Outcome>;
  /** Whether the write's effect is in the database, read through a fresh store. */
  landed(q: TaskQ, s: Record<string, any>, value: unknown): Promise<boolean>;
}

const TOPIC = "t";
const BIG = "x".repeat(3000); // a few pages of WAL per write

/** A call of the store's API as an outcome; a refusal must be a store error in the store's own words. */
async function api(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { acked: true, value: await call() };
  } catch (error) {
    return { acked: false, error };
  }
}

/** A request through the routes as an outcome: 2xx/303 acknowledged, else refused (checked by the caller). */
async function http(
  q: TaskQ,
  path: string,
  body?: unknown,
  form?: Record<string, string>,
  method = "POST",
): Promise<Outcome> {
  const app = sokkaRoutes({ taskq: q });
  const init: RequestInit = form
    ? {
      method,
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
      body: new URLSearchParams(form).toString(),
    }
    : body === undefined
    ? { method }
    : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const res = await app.request(`http://localhost${path}`, init);
  const text = await res.text();
  if (res.status < 300 || res.status === 303) return { acked: true, value: text ? safeJson(text) : null };
  return { acked: false, error: { status: res.status, text } };
}

const safeJson = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/**
 * Empties the WAL (a TRUNCATE checkpoint) before the disk fills: SQLite
 * writes a reset WAL over its old frames, in blocks the file already has, so
 * a write after it could commit on a "full" disk. It rightly says so, but
 * then the refusal this file is about is never exercised (under Bun in CI
 * three dashboard actions, and once all of a worker test's outcomes, did).
 */
async function emptyWal(q: TaskQ): Promise<void> {
  const client = (q as unknown as { client: { execute(s: { sql: string; args: [] }): Promise<WalCheckpoint> } })
    .client;
  // a reader can hold the checkpoint back (busy = 1): try again until the WAL is empty
  let last: unknown;
  await waitFor(
    async () => {
      const { rows: [row] } = await client.execute({ sql: "PRAGMA wal_checkpoint(TRUNCATE)", args: [] });
      last = row;
      return Number(row.busy) === 0 && Number(row.log) <= 0; // -1: not in WAL mode yet (nothing seeded)
    },
    10_000,
    "an empty WAL",
  ).catch((e: Error) => {
    throw new Error(`${e.message}: the last TRUNCATE checkpoint answered ${JSON.stringify(last)}`);
  });
}
interface WalCheckpoint {
  rows: { busy: unknown; log: unknown }[];
}

/** What one case did on the full disk. */
interface CaseRun {
  name: string;
  acked: boolean;
  /** Bytes of the WAL file when the disk was filled (0: the checkpoint emptied it and nothing wrote since). */
  walAtFill: number;
  /** Whether a file of the database took more disk blocks while the disk was full (it cannot, if full). */
  grew: boolean;
  /** The blocks before and after, when they grew. */
  growth: string;
}

/**
 * The check that matters is per case (a write landed exactly when it was
 * acknowledged). This one shows the disk was really full: no file grew,
 * and a write that found an empty WAL (every commit then needs new blocks)
 * was refused. A write after the checkpoint (before the fill) leaves room in
 * the WAL, where a commit may land and rightly say so: allowed, but most
 * cases must have started from an empty WAL.
 */
function expectRefusedWhenFull(runs: CaseRun[]): void {
  const show = (xs: CaseRun[]) =>
    xs.map((r) => `${r.name} (WAL ${r.walAtFill} B, ${r.acked ? "acknowledged" : "refused"}${r.growth})`).join(", ");
  expect(show(runs.filter((r) => r.grew)), "a file grew on the full disk").toBe("");
  expect(show(runs.filter((r) => r.acked && r.walAtFill === 0)), "acknowledged from an empty WAL on a full disk")
    .toBe("");
  const roomy = runs.filter((r) => r.walAtFill > 0);
  expect(roomy.length, `cases with room in the WAL: ${show(roomy)}`).toBeLessThanOrEqual(Math.floor(runs.length / 2));
}

/** For sqld, whose files are its own: most writes need new pages on the full disk and must be refused. */
function expectMostlyRefused(acked: string[], cases: number): void {
  expect(acked.length, `acknowledged on a full disk: ${acked.join(", ")}`).toBeLessThanOrEqual(Math.floor(cases / 5));
}

/** Bytes and disk blocks of the database's main file and WAL (0 when absent). */
function footprint(path: string): { wal: number; blocks: number; db: number; walBlocks: number } {
  const st = (p: string) => {
    try {
      return statSync(p);
    } catch {
      return { size: 0, blocks: 0 };
    }
  };
  const [db, wal] = [st(path), st(`${path}-wal`)];
  return { wal: wal.size, blocks: db.blocks + wal.blocks, db: db.blocks, walBlocks: wal.blocks };
}

/** A refusal is a store error: `unavailable` (503 over HTTP), in words of the store, never the driver's. */
function expectStoreError(error: unknown): void {
  if (error instanceof TaskError) {
    expect({ type: error.type, code: error.code }).toEqual({ type: "unavailable", code: "store-unavailable" });
    expect(error.message).not.toMatch(RAW_DRIVER_TEXT);
    return;
  }
  const { status, text } = error as { status: number; text: string };
  expect({ status, text: text.slice(0, 300) }).toMatchObject({ status: 503 });
  expect(text).not.toMatch(RAW_DRIVER_TEXT);
}

// Seeds.
const waiting = (q: TaskQ, taskId = "a") => q.createTask({ topic: TOPIC, taskId, data: BIG });
async function running(q: TaskQ, taskId = "a", pid = "p"): Promise<Task> {
  await waiting(q, taskId);
  const t = await q.reserveTask(TOPIC, pid, { leaseTimeMs: 600_000 });
  if (t?.taskId !== taskId) throw new Error(`seed: reserved ${t?.taskId}, not ${taskId}`);
  return t;
}
const statusOf = async (q: TaskQ, id: string) => (await q.task(id))?.status;
const isPaused = async (q: TaskQ) => (await q.topicStats()).find((s) => s.topic === TOPIC)?.paused === true;
/** A schedule of the topic, daily (its slot is never due during a case unless the case makes it so). */
const SCHEDULE = { name: "nightly", cron: "30 1 * * *", topic: TOPIC };
const withRunning = async (q: TaskQ) => ({ t: await running(q) });
const scheduled = (q: TaskQ, paused = false) =>
  q.schedule({ name: "s", cron: "@daily", topic: TOPIC, data: BIG, paused });
const isScheduled = async (q: TaskQ) => (await q.getSchedule("s")) !== null;
const hasLimits = async (q: TaskQ) => (await q.topicLimits(TOPIC)) !== null;

/** The JSON API's writes other than POST, by method and path as the OpenAPI document writes them. */
const OTHER_HTTP_CASES: Record<string, Case> = {
  "PUT /schedules/{name}": {
    name: "PUT /schedules/{name}",
    act: (q) => http(q, "/schedules/s", { cron: "@daily", topic: TOPIC, data: BIG }, undefined, "PUT"),
    landed: isScheduled,
  },
  "PUT /topics/{topic}/limits": {
    name: "PUT /topics/{topic}/limits",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, `/topics/${TOPIC}/limits`, { concurrency: 3 }, undefined, "PUT"),
    landed: hasLimits,
  },
  "DELETE /topics/{topic}/limits": {
    name: "DELETE /topics/{topic}/limits",
    seed: async (q) => ({ t: await waiting(q).then(() => q.setTopicLimits(TOPIC, { concurrency: 2 })) }),
    act: (q) => http(q, `/topics/${TOPIC}/limits`, undefined, undefined, "DELETE"),
    landed: async (q) => !(await hasLimits(q)),
  },
  "DELETE /schedules/{name}": {
    name: "DELETE /schedules/{name}",
    seed: async (q) => ({ s: await scheduled(q) }),
    act: (q) => http(q, "/schedules/s", undefined, undefined, "DELETE"),
    landed: async (q) => !(await isScheduled(q)),
  },
};

/** The store's public write methods. */
const STORE_CASES: Case[] = [
  {
    name: "createTask",
    act: (q) => api(() => q.createTask({ topic: TOPIC, taskId: "new", data: BIG })),
    landed: async (q) => (await q.task("new")) !== null,
  },
  {
    name: "createTasks",
    act: (q) => api(() => q.createTasks([1, 2, 3].map((i) => ({ topic: TOPIC, taskId: `n${i}`, data: BIG })))),
    landed: async (q) => {
      const found = await Promise.all([1, 2, 3].map((i) => q.task(`n${i}`)));
      expect(new Set(found.map((t) => t === null)).size).toBe(1); // all or none
      return found[0] !== null;
    },
  },
  {
    name: "reserveTask",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => api(() => q.reserveTask(TOPIC, "p")),
    landed: async (q, _s, value) => {
      const t = await q.task("a");
      if (value) expect(t?.leaseId).toBe((value as Task).leaseId);
      return t?.status === "running";
    },
  },
  {
    name: "reserveTasks",
    seed: async (q) => ({ a: await waiting(q, "a"), b: await waiting(q, "b") }),
    act: (q) => api(() => q.reserveTasks(TOPIC, "p", 2)),
    landed: async (q) => (await statusOf(q, "a")) === "running",
  },
  {
    name: "reserveTasks passing over some (a drain's, RESERVE_MANY_EXCEPT)",
    seed: async (q) => ({ a: await waiting(q, "a"), b: await waiting(q, "b") }),
    act: (q) => api(() => q.reserveTasks(TOPIC, "p", 2, { exceptTaskIds: ["b"] })),
    landed: async (q) => (await statusOf(q, "a")) === "running",
  },
  {
    name: "extendLease",
    seed: withRunning,
    act: (q, s) => api(() => q.extendLease("a", "p", { leaseId: s.t.leaseId, leaseTimeMs: 7_200_000 })),
    landed: async (q, s) => (await q.task("a"))!.leaseExpiresAt! > s.t.leaseExpiresAt + 3_000_000,
  },
  {
    name: "terminate",
    seed: withRunning,
    act: (q, s) => api(() => q.terminate("a", "p", { leaseId: s.t.leaseId, result: BIG })),
    landed: async (q) => (await statusOf(q, "a")) === "terminated",
  },
  {
    name: "fail",
    seed: withRunning,
    act: (q, s) => api(() => q.fail("a", "p", "kaput", { leaseId: s.t.leaseId })),
    landed: async (q) => (await statusOf(q, "a")) === "failed",
  },
  {
    name: "snooze",
    seed: withRunning,
    act: (q, s) => api(() => q.snooze("a", "p", 60_000, { leaseId: s.t.leaseId })),
    landed: async (q) => (await statusOf(q, "a")) === "snoozed",
  },
  {
    name: "revokeLease",
    seed: withRunning,
    act: (q, s) => api(() => q.revokeLease("a", s.t.recordVer)),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  {
    name: "applyWrites (one write)",
    seed: withRunning,
    act: (q, s) => api(() => q.applyWrites([{ op: "terminate", taskId: "a", pid: "p", leaseId: s.t.leaseId }])),
    landed: async (q, _s, value) => {
      if (value) expect((value as { task?: Task }[])[0].task).toBeDefined();
      return (await statusOf(q, "a")) === "terminated";
    },
  },
  {
    name: "applyWrites (two transitions in one batch)",
    seed: async (q) => ({ a: await running(q, "a"), b: await running(q, "b") }),
    act: (q, s) =>
      api(() =>
        q.applyWrites([
          { op: "terminate", taskId: "a", pid: "p", leaseId: s.a.leaseId },
          { op: "fail", taskId: "b", pid: "p", leaseId: s.b.leaseId, error: "kaput" },
        ])
      ),
    landed: async (q) => {
      const [a, b] = [await statusOf(q, "a"), await statusOf(q, "b")];
      expect(a === "terminated").toBe(b === "failed");
      return a === "terminated";
    },
  },
  {
    name: "applyWritesAndReserve",
    seed: async (q) => ({ a: await running(q, "a"), b: await waiting(q, "b") }),
    act: (q, s) =>
      api(() =>
        q.applyWritesAndReserve([{ op: "terminate", taskId: "a", pid: "p", leaseId: s.a.leaseId }], {
          topic: TOPIC,
          pid: "p",
          n: 1,
        })
      ),
    landed: async (q) => {
      const [a, b] = [await statusOf(q, "a"), await statusOf(q, "b")];
      expect(a === "terminated").toBe(b === "running");
      return a === "terminated";
    },
  },
  {
    name: "cancelTask",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => api(() => q.cancelTask("a", "no longer needed")),
    landed: async (q) => (await statusOf(q, "a")) === "cancelled",
  },
  {
    name: "holdTask",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => api(() => q.holdTask("a")),
    landed: async (q) => (await statusOf(q, "a")) === "held",
  },
  {
    name: "releaseTask",
    seed: async (q) => ({ t: await waiting(q).then(() => q.holdTask("a")) }),
    act: (q) => api(() => q.releaseTask("a")),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  {
    name: "enqueue (a unique key)",
    act: (q) => api(() => q.enqueue({ topic: TOPIC, taskId: "u", uniqueKey: "k", data: BIG })),
    landed: async (q) => (await q.task("u")) !== null,
  },
  {
    name: "createTasks (a flow: refs, edges and marks in one transaction)",
    act: (q) =>
      api(() =>
        q.createTasks([
          { topic: TOPIC, taskId: "f1", ref: "a", data: BIG },
          { topic: TOPIC, taskId: "f2", dependsOn: [{ ref: "a" }], data: BIG },
        ])
      ),
    landed: async (q) => {
      const [a, b] = [await q.task("f1"), await q.task("f2")];
      expect(a === null).toBe(b === null); // all or none
      if (b) expect((await q.dependants("f1")).data.map((t) => t.taskId)).toEqual(["f2"]);
      return a !== null;
    },
  },
  {
    name: "sealGroup",
    seed: async (q) => ({
      g: await q.createTasks([1, 2].map((i) => ({ topic: TOPIC, taskId: `g${i}`, taskGroupId: "g" }))),
    }),
    act: (q) => api(() => q.sealGroup("g", { topic: TOPIC, taskId: "fu", data: BIG })),
    landed: async (q) => {
      const fu = await q.task("fu");
      expect((await q.groupFollowUp("g"))?.taskId ?? null).toBe(fu?.taskId ?? null); // the seal and its task together
      return fu !== null;
    },
  },
  {
    name: "terminate (a dependency: its dependant starts in the same commit)",
    seed: async (q) => {
      const t = await running(q);
      await q.createTask({ topic: "other", taskId: "d", dependsOn: ["a"] });
      return { t };
    },
    act: (q, s) => api(() => q.terminate("a", "p", { leaseId: s.t.leaseId, result: BIG })),
    landed: async (q) => {
      const done = (await statusOf(q, "a")) === "terminated";
      expect(await statusOf(q, "d")).toBe(done ? "starting" : "blocked");
      return done;
    },
  },
  {
    name: "retryTask",
    seed: async (q) => {
      const t = await running(q);
      return { t: await q.fail("a", "p", "kaput", { leaseId: t.leaseId! }) };
    },
    act: (q) => api(() => q.retryTask("a")),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  {
    name: "pauseTopic",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => api(() => q.pauseTopic(TOPIC)),
    landed: isPaused,
  },
  {
    name: "resumeTopic",
    seed: async (q) => ({ t: await waiting(q).then(() => q.pauseTopic(TOPIC)) }),
    act: (q) => api(() => q.resumeTopic(TOPIC)),
    landed: async (q) => !(await isPaused(q)),
  },
  {
    // with a rate: the rate trigger is created in the same transaction
    name: "setTopicLimits",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => api(() => q.setTopicLimits(TOPIC, { concurrency: 2, rate: { limit: 5, periodMs: 1000 } })),
    landed: hasLimits,
  },
  {
    name: "setTopicLimits(null)",
    seed: async (q) => ({ t: await waiting(q).then(() => q.setTopicLimits(TOPIC, { concurrency: 2 })) }),
    act: (q) => api(() => q.setTopicLimits(TOPIC, null)),
    landed: async (q) => !(await hasLimits(q)),
  },
  {
    name: "reserveTasks of a partitioned topic (RESERVE_MANY_KEYED)",
    seed: async (q) => ({
      t: await q.createTask({ topic: TOPIC, taskId: "a", partitionKey: "k", data: BIG })
        .then(() => q.setTopicLimits(TOPIC, { concurrency: 1, partitioned: true })),
    }),
    act: (q) => api(() => q.reserveTasks(TOPIC, "p", 2)),
    landed: async (q) => (await statusOf(q, "a")) === "running",
  },
  {
    name: "snooze holding its topic back (rateLimited: HOLD_TOPICS then SNOOZE)",
    seed: withRunning,
    act: (q, s) =>
      api(() =>
        q.applyWrites([
          { op: "snooze", taskId: "a", pid: "p", leaseId: s.t.leaseId, snoozeTime: 60_000, holdTopic: true },
        ])
      ),
    landed: async (q) => (await statusOf(q, "a")) === "snoozed",
  },
  {
    // a task written twice: its second write in a statement after the first, each hold right before its snooze
    name: "applyWrites naming a task twice (four statements: hold, snooze, terminate, hold and snooze)",
    seed: async (q) => ({ a: await running(q, "a"), b: await running(q, "b") }),
    act: (q, s) =>
      api(() =>
        q.applyWrites([
          { op: "snooze", taskId: "a", pid: "p", leaseId: s.a.leaseId, snoozeTime: 60_000, holdTopic: true },
          { op: "terminate", taskId: "b", pid: "p", leaseId: s.b.leaseId },
          { op: "snooze", taskId: "b", pid: "p", leaseId: s.b.leaseId, snoozeTime: 60_000, holdTopic: true },
        ])
      ),
    landed: async (q) => {
      const [a, b] = [await statusOf(q, "a"), await statusOf(q, "b")];
      expect(a === "snoozed").toBe(b === "terminated");
      return a === "snoozed";
    },
  },
  {
    name: "pruneTasks",
    seed: async (q) => {
      const t = await running(q);
      return { t: await q.terminate("a", "p", { leaseId: t.leaseId! }) };
    },
    act: (q) => api(() => q.pruneTasks({ olderThanMs: 0, statuses: ["terminated"] })),
    landed: async (q, _s, value) => {
      if (value !== undefined) expect(value).toBe(1);
      return (await q.task("a")) === null;
    },
  },
  {
    name: "schedule (create)",
    act: (q) => api(() => q.schedule({ ...SCHEDULE, data: BIG })),
    landed: async (q) => (await q.getSchedule(SCHEDULE.name)) !== null,
  },
  {
    name: "schedule (replace)",
    seed: async (q) => ({ s: await q.schedule(SCHEDULE) }),
    act: (q) => api(() => q.schedule({ ...SCHEDULE, cron: "0 0 * * *", data: BIG })),
    landed: async (q) => (await q.getSchedule(SCHEDULE.name))?.cron === "0 0 * * *",
  },
  {
    name: "unschedule",
    seed: async (q) => ({ s: await q.schedule({ ...SCHEDULE, data: BIG }) }),
    act: (q) => api(() => q.unschedule(SCHEDULE.name)),
    landed: async (q) => (await q.getSchedule(SCHEDULE.name)) === null,
  },
  {
    name: "pauseSchedule",
    seed: async (q) => ({ s: await q.schedule({ ...SCHEDULE, data: BIG }) }),
    act: (q) => api(() => q.pauseSchedule(SCHEDULE.name)),
    landed: async (q) => (await q.getSchedule(SCHEDULE.name))?.paused === true,
  },
  {
    name: "resumeSchedule",
    seed: async (q) => ({ s: await q.schedule({ ...SCHEDULE, data: BIG, paused: true }) }),
    act: (q) => api(() => q.resumeSchedule(SCHEDULE.name)),
    landed: async (q) => (await q.getSchedule(SCHEDULE.name))?.paused === false,
  },
  {
    name: "fireSchedules",
    seed: async (q) => {
      const s = await q.schedule({ ...SCHEDULE, cron: "* * * * * *", data: BIG });
      // its first slot comes within a second (database clock): wait until it is due
      await waitFor(async () => {
        const r = await q.fireSchedules({ topics: ["not-this-one"] });
        return r.now >= s.nextSlotAt!;
      }, 5_000);
      return { s };
    },
    act: (q) => api(() => q.fireSchedules({ topics: [TOPIC] })),
    landed: async (q, _s, value) => {
      if (value !== undefined) expect((value as { fired: number }).fired).toBe(1);
      return (await q.listTasks({ schedule: SCHEDULE.name })).data.length === 1;
    },
  },
];

/** Every POST route of the JSON API (keyed as the OpenAPI document names it). */
const HTTP_CASES: Record<string, Case> = {
  "/tasks": {
    name: "POST /tasks",
    act: (q) => http(q, "/tasks", { topic: TOPIC, taskId: "new", data: BIG }),
    landed: async (q) => (await q.task("new")) !== null,
  },
  "/tasks/batch": {
    name: "POST /tasks/batch",
    act: (q) =>
      http(q, "/tasks/batch", { tasks: [1, 2, 3].map((i) => ({ topic: TOPIC, taskId: `n${i}`, data: BIG })) }),
    landed: async (q) => {
      const found = await Promise.all([1, 2, 3].map(async (i) => (await q.task(`n${i}`)) !== null));
      expect(new Set(found).size, "all or none").toBe(1);
      return found[0];
    },
  },
  "/groups/{taskGroupId}/seal": {
    name: "POST /groups/{taskGroupId}/seal",
    seed: async (q) => ({ t: await q.createTask({ topic: TOPIC, taskId: "a", taskGroupId: "g", data: BIG }) }),
    act: (q) => http(q, "/groups/g/seal", { topic: TOPIC, taskId: "f", data: BIG }),
    landed: async (q) => (await q.groupFollowUp("g"))?.taskId === "f",
  },
  "/tasks/{taskId}/revoke": {
    name: "POST /tasks/{taskId}/revoke",
    seed: withRunning,
    act: (q, s) => http(q, "/tasks/a/revoke", { recordVer: s.t.recordVer }),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  "/tasks/{taskId}/cancel": {
    name: "POST /tasks/{taskId}/cancel",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, "/tasks/a/cancel"),
    landed: async (q) => (await statusOf(q, "a")) === "cancelled",
  },
  "/tasks/{taskId}/hold": {
    name: "POST /tasks/{taskId}/hold",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, "/tasks/a/hold"),
    landed: async (q) => (await statusOf(q, "a")) === "held",
  },
  "/tasks/{taskId}/release": {
    name: "POST /tasks/{taskId}/release",
    seed: async (q) => ({ t: await waiting(q).then(() => q.holdTask("a")) }),
    act: (q) => http(q, "/tasks/a/release"),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  "/tasks/{taskId}/retry": {
    name: "POST /tasks/{taskId}/retry",
    seed: async (q) => {
      const t = await running(q);
      return { t: await q.fail("a", "p", "kaput", { leaseId: t.leaseId! }) };
    },
    act: (q) => http(q, "/tasks/a/retry"),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  "/topics/{topic}/pause": {
    name: "POST /topics/{topic}/pause",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, `/topics/${TOPIC}/pause`),
    landed: isPaused,
  },
  "/topics/{topic}/resume": {
    name: "POST /topics/{topic}/resume",
    seed: async (q) => ({ t: await waiting(q).then(() => q.pauseTopic(TOPIC)) }),
    act: (q) => http(q, `/topics/${TOPIC}/resume`),
    landed: async (q) => !(await isPaused(q)),
  },
  "/topics/pause": {
    name: "POST /topics/pause",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, "/topics/pause", { topic: TOPIC }),
    landed: isPaused,
  },
  "/topics/resume": {
    name: "POST /topics/resume",
    seed: async (q) => ({ t: await waiting(q).then(() => q.pauseTopic(TOPIC)) }),
    act: (q) => http(q, "/topics/resume", { topic: TOPIC }),
    landed: async (q) => !(await isPaused(q)),
  },
  "/prune": {
    name: "POST /prune",
    seed: async (q) => {
      const t = await running(q);
      return { t: await q.terminate("a", "p", { leaseId: t.leaseId! }) };
    },
    act: (q) => http(q, "/prune", { olderThanMs: 0, statuses: ["terminated"] }),
    landed: async (q) => (await q.task("a")) === null,
  },
  "/topics/{topic}/reserve": {
    name: "POST /topics/{topic}/reserve",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, `/topics/${TOPIC}/reserve`, { pid: "p" }),
    landed: async (q, _s, value) => {
      const t = await q.task("a");
      if (value) expect(t?.leaseId).toBe((value as Task).leaseId);
      return t?.status === "running";
    },
  },
  "/writes": {
    name: "POST /writes",
    seed: withRunning,
    act: (q, s) => http(q, "/writes", { writes: [{ op: "terminate", taskId: "a", pid: "p", leaseId: s.t.leaseId }] }),
    landed: async (q) => (await statusOf(q, "a")) === "terminated",
  },
  "/tasks/{taskId}/extend": {
    name: "POST /tasks/{taskId}/extend",
    seed: withRunning,
    act: (q, s) => http(q, "/tasks/a/extend", { pid: "p", leaseId: s.t.leaseId, leaseTimeMs: 7_200_000 }),
    landed: async (q, s) => (await q.task("a"))!.leaseExpiresAt! > s.t.leaseExpiresAt + 3_000_000,
  },
  "/tasks/{taskId}/complete": {
    name: "POST /tasks/{taskId}/complete",
    seed: withRunning,
    act: (q, s) => http(q, "/tasks/a/complete", { pid: "p", leaseId: s.t.leaseId, result: BIG }),
    landed: async (q) => (await statusOf(q, "a")) === "terminated",
  },
  "/tasks/{taskId}/fail": {
    name: "POST /tasks/{taskId}/fail",
    seed: withRunning,
    act: (q, s) => http(q, "/tasks/a/fail", { pid: "p", leaseId: s.t.leaseId, errorMessage: "kaput" }),
    landed: async (q) => (await statusOf(q, "a")) === "failed",
  },
  "/schedules/{name}/pause": {
    name: "POST /schedules/{name}/pause",
    seed: async (q) => ({ s: await scheduled(q) }),
    act: (q) => http(q, "/schedules/s/pause"),
    landed: async (q) => (await q.getSchedule("s"))!.paused,
  },
  "/schedules/{name}/resume": {
    name: "POST /schedules/{name}/resume",
    seed: async (q) => ({ s: await scheduled(q, true) }),
    act: (q) => http(q, "/schedules/s/resume"),
    landed: async (q) => !(await q.getSchedule("s"))!.paused,
  },
  "/schedules/fire": {
    name: "POST /schedules/fire",
    // a schedule of every second, waited on until its first slot is due
    seed: async (q) => {
      const s = await q.schedule({ name: "s", cron: "* * * * * *", topic: TOPIC, data: BIG });
      await waitFor(() => Date.now() > s.nextSlotAt! + 50, 5_000, "a due slot");
      return { s };
    },
    act: (q) => http(q, "/schedules/fire"),
    landed: async (q) => (await q.listTasks({ schedule: "s" })).data.length > 0,
  },
  "/tasks/{taskId}/snooze": {
    name: "POST /tasks/{taskId}/snooze",
    seed: withRunning,
    act: (q, s) => http(q, "/tasks/a/snooze", { pid: "p", leaseId: s.t.leaseId, snoozeTime: 60_000 }),
    landed: async (q) => (await statusOf(q, "a")) === "snoozed",
  },
};

/** The dashboard's form actions. */
const DASHBOARD_CASES: Case[] = [
  {
    name: "dashboard: new task",
    act: (q) => http(q, "/ui/tasks", undefined, { topic: TOPIC, data: JSON.stringify(BIG) }),
    landed: async (q) => (await q.listTasks({ topic: TOPIC })).data.length === 1,
  },
  ...(["cancel", "hold"] as const).map((action): Case => ({
    name: `dashboard: ${action}`,
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, `/ui/tasks/a/${action}`, undefined, {}),
    landed: async (q) => (await statusOf(q, "a")) === (action === "cancel" ? "cancelled" : "held"),
  })),
  {
    name: "dashboard: release",
    seed: async (q) => ({ t: await waiting(q).then(() => q.holdTask("a")) }),
    act: (q) => http(q, "/ui/tasks/a/release", undefined, {}),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  {
    name: "dashboard: retry",
    seed: async (q) => {
      const t = await running(q);
      return { t: await q.fail("a", "p", "kaput", { leaseId: t.leaseId! }) };
    },
    act: (q) => http(q, "/ui/tasks/a/retry", undefined, {}),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  {
    name: "dashboard: revoke",
    seed: withRunning,
    act: (q, s) => http(q, "/ui/tasks/a/revoke", undefined, { recordVer: String(s.t.recordVer) }),
    landed: async (q) => (await statusOf(q, "a")) === "starting",
  },
  {
    name: "dashboard: mark failed",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, "/ui/tasks/a/fail", undefined, { reason: "by hand" }),
    landed: async (q) => (await statusOf(q, "a")) === "failed",
  },
  {
    name: "dashboard: terminate",
    seed: async (q) => ({ t: await running(q, "a", "sokka-dashboard") }),
    act: (q) => http(q, "/ui/tasks/a/terminate", undefined, {}),
    landed: async (q) => (await statusOf(q, "a")) === "terminated",
  },
  {
    name: "dashboard: pause",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, `/ui/topics/${TOPIC}/pause`, undefined, {}),
    landed: isPaused,
  },
  {
    name: "dashboard: resume",
    seed: async (q) => ({ t: await waiting(q).then(() => q.pauseTopic(TOPIC)) }),
    act: (q) => http(q, `/ui/topics/${TOPIC}/resume`, undefined, {}),
    landed: async (q) => !(await isPaused(q)),
  },
  {
    name: "dashboard: set limits (the topic page's form)",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, "/ui/topics/limits", undefined, { topic: TOPIC, from: "topic", concurrency: "3" }),
    landed: hasLimits,
  },
  {
    name: "dashboard: remove limits",
    seed: async (q) => ({ t: await waiting(q).then(() => q.setTopicLimits(TOPIC, { concurrency: 2 })) }),
    act: (q) => http(q, "/ui/topics/remove-limits", undefined, { topic: TOPIC, from: "topic" }),
    landed: async (q) => !(await hasLimits(q)),
  },
  {
    name: "dashboard: pause (the topic in the form)",
    seed: async (q) => ({ t: await waiting(q) }),
    act: (q) => http(q, "/ui/topics/pause", undefined, { topic: TOPIC }),
    landed: isPaused,
  },
  {
    name: "dashboard: resume (the topic in the form)",
    seed: async (q) => ({ t: await waiting(q).then(() => q.pauseTopic(TOPIC)) }),
    act: (q) => http(q, "/ui/topics/resume", undefined, { topic: TOPIC }),
    landed: async (q) => !(await isPaused(q)),
  },
];

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk(24);
});
afterAll(() => disk?.unmount());

let caseNo = 0;
/**
 * Runs one case on a fresh database on the small disk: seed with room, fill
 * the disk, write, then free the disk and read through a fresh store.
 * Returns whether the write was acknowledged.
 */
async function runCase(c: Case, driver: SqliteDriverName): Promise<CaseRun> {
  // A disk of its own: the `libsql` driver's file stays open after close() until the runtime collects its
  // statements, and that last close then deletes the WAL and shared-memory files, freeing blocks on the
  // disk whenever it happens (in the middle of a later case, on a shared disk).
  const own = mountSmallDisk(8);
  try {
    return await runCaseOn(own, c, driver);
  } finally {
    own.unmount();
  }
}

async function runCaseOn(disk: SmallDisk, c: Case, driver: SqliteDriverName): Promise<CaseRun> {
  const path = join(disk.dir, `case-${caseNo++}.db`);
  const url = `file:${path}`;
  const q = createTaskQ({ url, driver });
  q.addEventListener("warning", (e) => e.preventDefault()); // libsql's, known
  let outcome: Outcome;
  let seed: Record<string, any> = {};
  let before = { wal: 0, blocks: 0, db: 0, walBlocks: 0 };
  let after = before;
  try {
    seed = (await c.seed?.(q)) ?? {};
    await emptyWal(q);
    disk.fill();
    try {
      before = footprint(path);
      outcome = await c.act(q, seed);
      after = footprint(path);
    } finally {
      disk.free();
    }
  } finally {
    await q.close();
  }
  if (!outcome.acked) expectStoreError(outcome.error);
  const fresh = createTaskQ({ url, driver });
  fresh.addEventListener("warning", (e) => e.preventDefault());
  try {
    const landed = await c.landed(fresh, seed, outcome.acked ? outcome.value : undefined);
    expect({ case: c.name, acknowledged: outcome.acked, landed }).toEqual({
      case: c.name,
      acknowledged: outcome.acked,
      landed: outcome.acked,
    });
  } finally {
    await fresh.close();
  }
  const grew = after.blocks > before.blocks;
  const growth = grew ? `, blocks ${JSON.stringify(before)} → ${JSON.stringify(after)}` : "";
  return { name: c.name, acked: outcome.acked, walAtFill: before.wal, grew, growth };
}

describe.each(fileDrivers())(
  "a commit that fails is never acknowledged (file: database on a full disk, %s)",
  (driver) => {
    it("every write method of the store commits or rejects with a store error", async () => {
      const runs: CaseRun[] = [];
      for (const c of STORE_CASES) runs.push(await runCase(c, driver));
      expectRefusedWhenFull(runs);
    });

    it("every POST route of the JSON API answers 2xx only when committed, else 503", async () => {
      const posts = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>)
        .filter(([, ops]) => "post" in ops)
        .map(([path]) => path);
      // a new write route fails this test until it has a case here
      expect(posts.filter((p) => !(p in HTTP_CASES))).toEqual([]);
      const runs: CaseRun[] = [];
      for (const path of posts) runs.push(await runCase(HTTP_CASES[path], driver));
      expectRefusedWhenFull(runs);
    });

    it("every PUT and DELETE route of the JSON API answers 2xx only when committed, else 503", async () => {
      const writes = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, ops]) =>
          Object.keys(ops).filter((m) => m === "put" || m === "delete").map((m) => `${m.toUpperCase()} ${path}`)
        );
      // a new write route fails this test until it has a case here
      expect(writes.filter((w) => !(w in OTHER_HTTP_CASES))).toEqual([]);
      expect(writes.length).toBeGreaterThan(0);
      const runs: CaseRun[] = [];
      for (const w of writes) runs.push(await runCase(OTHER_HTTP_CASES[w], driver));
      expectRefusedWhenFull(runs);
    });

    it("every dashboard action answers a redirect only when committed, else 503", async () => {
      const runs: CaseRun[] = [];
      for (const c of DASHBOARD_CASES) runs.push(await runCase(c, driver));
      expectRefusedWhenFull(runs);
    });

    for (const concurrency of [1, 8]) {
      it(`workers at concurrency ${concurrency} (${concurrency === 1 ? "lone" : "batched"} writes): no outcome is reported that did not commit, no task runs twice at once`, async () => {
        const path = join(disk.dir, `workers-${driver}-${concurrency}.db`);
        const q = createTaskQ({ url: `file:${path}`, driver });
        q.addEventListener("warning", (e) => e.preventDefault());
        try {
          const r = await workersThroughFullDisk(q, concurrency, {
            ids: "w",
            // (under Bun in CI, without it, all 4 big outcomes once committed on the full disk)
            beforeFill: () => emptyWal(q),
            noneWhileFull: true,
            read: (id) => q.task(id),
          });
          expectEveryOutcomeOnce(r, 4 * concurrency);
        } finally {
          await q.close();
        }
      });
    }
  },
);

/** What two workers reported through a full disk (`workersThroughFullDisk`). */
interface WorkersRun {
  /** Times a task ran while another run of it was under way. */
  overlaps: number;
  /** Completed events per task. */
  completed: Map<string, number>;
  /** Tasks reported completed that a read at once did not find terminated. */
  notTerminated: string[];
}

/**
 * Two workers (A, B) at `concurrency` on `q`, over 4 × concurrency tasks with big data (ids `ids` + i):
 * once both run their full share, `beforeFill`, the disk fills and their big outcomes are written (at
 * least two writes must fail), the disk frees, and every task must end terminated (the refused ones after
 * their leases ran out). Each reported completion is read back at once with `read`.
 */
async function workersThroughFullDisk(
  q: TaskQ,
  concurrency: number,
  o: {
    ids: string;
    read: (taskId: string) => Promise<Task | null>;
    beforeFill?: () => Promise<void>;
    /** No completion may be reported while the disk is full (the WAL was emptied before it filled). */
    noneWhileFull?: boolean;
  },
): Promise<WorkersRun> {
  const n = 4 * concurrency;
  await q.createTasks(Array.from({ length: n }, (_, i) => ({ topic: TOPIC, taskId: `${o.ids}${i}`, data: BIG })));
  let gate!: () => void;
  const opened = new Promise<void>((r) => (gate = r));
  const inFlight = new Map<string, number>();
  let overlaps = 0;
  let started = 0;
  const completed = new Map<string, number>();
  let errors = 0;
  const reads: Promise<string | null>[] = [];
  const ws = ["A", "B"].map((pid) => {
    const w = worker({
      taskq: q,
      topic: TOPIC,
      pid,
      concurrency,
      leaseTimeMs: 1_500,
      // a keepalive every 150 ms: one 1.3 s late still holds the lease (a loaded machine's timers)
      keepaliveMs: 150,
      maxPollIntervalMs: 50,
      pfn: async (task, { signal }) => {
        started++;
        inFlight.set(task.taskId, (inFlight.get(task.taskId) ?? 0) + 1);
        if (inFlight.get(task.taskId)! > 1) overlaps++;
        try {
          await opened;
          // the write of this outcome is what must not be reported unless committed
          return signal.aborted ? ok() : ok(BIG);
        } finally {
          inFlight.set(task.taskId, inFlight.get(task.taskId)! - 1);
        }
      },
    });
    w.addEventListener("completed", (e) => {
      const id = (e as CustomEvent<Task>).detail.taskId;
      completed.set(id, (completed.get(id) ?? 0) + 1);
      // reported, so committed: a read at once finds it terminated
      reads.push(o.read(id).then((t) => t?.status === "terminated" ? null : `${id}: ${t?.status}`));
    });
    w.addEventListener("error", () => errors++);
    return w;
  });
  try {
    // both workers hold their full share of tasks, then the disk fills and the outcomes are written
    await waitFor(() => started >= 2 * concurrency, 10_000, "both workers running their tasks");
    await o.beforeFill?.();
    disk.fill();
    try {
      gate();
      await waitFor(() => errors >= 2, 20_000, "the outcome writes to fail").catch((e: Error) => {
        // seen once under Bun in CI (not reproduced in 14 reruns): say what the workers did meanwhile
        throw new Error(`${e.message} (errors ${errors}, completed ${completed.size}, started ${started})`);
      });
      if (o.noneWhileFull) expect(completed.size).toBe(0);
    } finally {
      disk.free();
    }
    // an outcome reported but not committed would have its task run and reported again
    await waitFor(
      async () => (await q.countTasks({ topic: TOPIC, status: "terminated" }).catch(() => -1)) === n,
      30_000,
      "every task terminated",
    );
    const notTerminated = (await Promise.all(reads)).filter((r) => r !== null);
    return { overlaps, completed, notTerminated };
  } finally {
    await Promise.all(ws.map((w) => w.stop()));
  }
}

/** Every task of a `workersThroughFullDisk` run completed once, read back terminated, never run twice at once. */
function expectEveryOutcomeOnce(r: WorkersRun, n: number): void {
  expect(r.notTerminated).toEqual([]);
  expect(r.overlaps).toBe(0);
  expect([...r.completed.entries()].filter(([, k]) => k !== 1)).toEqual([]);
  expect(r.completed.size).toBe(n);
}

describe("a commit that fails is never acknowledged (sqld whose --db-path is on a full disk)", () => {
  const REMOTE_CASES = [...STORE_CASES, HTTP_CASES["/tasks"], HTTP_CASES["/tasks/{taskId}/complete"]];
  /** Writes that change one page of the database (a row of the paused-topics table). */
  const ONE_PAGE = new Set(["pauseTopic", "resumeTopic", "setTopicLimits(null)"]);

  it("every write the remote store sends commits or rejects with a store error (sqld's default WAL)", async () => {
    const server = new Server([], join(disk.dir, "sqld-default"));
    await server.start();
    try {
      const acked: string[] = [];
      for (const c of REMOTE_CASES) if ((await runRemote(server, c)).acked) acked.push(c.name);
      expectMostlyRefused(acked, REMOTE_CASES.length);
      expect(server.restarts).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it("--use-custom-wal libsql-wal: every write that changes more than one page commits or rejects", async () => {
    const server = new Server(["--use-custom-wal", "libsql-wal"], join(disk.dir, "sqld-libsql-wal"));
    await server.start();
    try {
      const acked: string[] = [];
      for (const c of REMOTE_CASES.filter((c) => !ONE_PAGE.has(c.name))) {
        if ((await runRemote(server, c)).acked) acked.push(c.name);
      }
      expectMostlyRefused(acked, REMOTE_CASES.length - ONE_PAGE.size);
    } finally {
      await server.stop();
    }
  });

  it("workers on sqld at concurrency 8 (outcomes pipelined with reservations): no outcome is reported that did not commit, no task runs twice at once", async () => {
    const server = new Server([], join(disk.dir, "sqld-workers"));
    await server.start();
    try {
      // the outcome writes (each with the next reservation, in one request) fail on the full disk
      const r = await workersThroughFullDisk(server.q, 8, {
        ids: "r",
        read: (id) => readBack(() => server.q.task(id)),
      });
      expectEveryOutcomeOnce(r, 32);
    } finally {
      await server.stop();
    }
    expect(server.restarts).toBe(0);
  });

  // sqld's defect, not sokka's, kept as a test so that the warning in docs/scaling.md is dropped when a release fixes it:
  // with libsql-wal, a write transaction that changes a single page is acknowledged on a full disk, the
  // server then answers I/O errors until restarted, and after the restart the write is gone.
  it("--use-custom-wal libsql-wal (sqld 0.24.32): a one-page write on a full disk is acknowledged and lost", async () => {
    const server = new Server(["--use-custom-wal", "libsql-wal"], join(disk.dir, "sqld-one-page"));
    await server.start();
    try {
      const pause = REMOTE_CASES.find((c) => c.name === "pauseTopic")!;
      expect(await runRemote(server, pause, false)).toEqual({ acked: true, landed: false });
    } finally {
      await server.stop();
    }
  });
});

/** A sqld on the small disk, with a store on it; restarted on the same data when it keeps failing reads. */
class Server {
  sqld!: Sqld;
  q!: TaskQ;
  restarts = 0;
  constructor(readonly flags: string[], readonly dir: string) {}
  async start(): Promise<void> {
    this.sqld = await startSqld({ flags: this.flags, dir: this.dir });
    this.q = createTaskQ({ url: this.sqld.url });
  }
  async restart(): Promise<void> {
    this.restarts++;
    await this.q.close();
    await this.sqld.kill();
    await this.start();
  }
  /** Empties the tables: every case starts on an empty database. */
  async reset(): Promise<void> {
    const raw = createClient({ url: this.sqld.url });
    try {
      await raw.batch(
        [
          "DELETE FROM sokka_tasks",
          "DELETE FROM sokka_paused_topics",
          "DELETE FROM sokka_schedules",
          "DELETE FROM sokka_topic_limits",
          "DELETE FROM sokka_limit_state",
        ],
        "write",
      );
    } finally {
      raw.close();
    }
  }
  async stop(): Promise<void> {
    await this.q.close();
    await this.sqld.stop();
  }
}

/**
 * `runCase` against the remote store: seed, fill the disk under sqld, write,
 * free, read back (through a restarted server when it keeps failing reads).
 * Checks that the write landed exactly when it was acknowledged, unless
 * `check` is false. Every case starts on an empty database.
 */
async function runRemote(server: Server, c: Case, check = true): Promise<{ acked: boolean; landed: boolean }> {
  const seed = (await c.seed?.(server.q)) ?? {};
  disk.fill();
  let outcome: Outcome;
  try {
    outcome = await c.act(server.q, seed);
  } finally {
    disk.free();
  }
  if (!outcome.acked) expectStoreError(outcome.error);
  const value = outcome.acked ? outcome.value : undefined;
  const landed = await readBack(() => c.landed(server.q, seed, value)).catch(async () => {
    await server.restart();
    return await readBack(() => c.landed(server.q, seed, value));
  });
  if (check) {
    expect({ case: c.name, acknowledged: outcome.acked, landed }).toEqual({
      case: c.name,
      acknowledged: outcome.acked,
      landed: outcome.acked,
    });
  }
  await server.reset();
  return { acked: outcome.acked, landed };
}

/**
 * A read of the remote database once the disk has room again, tried for up
 * to 3 s while the server answers `unavailable`. Seen: with
 * `--use-custom-wal libsql-wal`, after a write failed on the full disk, sqld
 * answered every later statement with an I/O error until it was restarted.
 */
async function readBack<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof TaskError && e.type === "unavailable") || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
