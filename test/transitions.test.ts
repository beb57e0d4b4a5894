/**
 * The transition table (src/transitions.ts) against the real store: every
 * guard and refusal generated from it, and for every operation from every
 * status, a real task in that status on a real database moves exactly when
 * the table allows it, to a status the table names, and is refused with the
 * reason the table gives otherwise. Also: the docs' status table is the
 * generated one.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task, TaskQ } from "../mod.ts";
import { TaskError } from "../src/errors.ts";
import { FAIL, SNOOZE, TERMINATE, TERMINATE_BRIEF } from "../src/libsql/statements/outcomes.ts";
import { EXTEND_LEASE, REVOKE_LEASE } from "../src/libsql/statements/lease.ts";
import { CANCEL, HOLD, RELEASE, RETRY_TASK } from "../src/libsql/statements/operator.ts";
import { PARKED, WAITING } from "../src/libsql/statements/fragments.ts";
import { fencedGuard, operatorGuard, statusIn } from "../src/libsql/statements/guards.ts";
import { RESERVE_ONE } from "../src/libsql/statements/reserve.ts";
import {
  fromOf,
  guardOf,
  movesList,
  type Operation,
  ruleOf,
  saysOf,
  type Status,
  STATUS_RULES,
  STATUSES,
  statusesKept,
  statusRule,
  statusTable,
  TRANSITIONS,
} from "../src/transitions.ts";
import { TARGETS, uniq } from "./helpers.ts";
import { type Op, TRANSITION_TO, TRANSITIONS_ALLOWED } from "./taskq.contract.ts";

/** Every statement of a transition on a task, and the guard the table generates for it. */
const GUARDED: [Operation, string, string][] = [
  ["extendLease", EXTEND_LEASE, fencedGuard("extendLease")],
  ["terminate", TERMINATE, fencedGuard("terminate")],
  ["terminate", TERMINATE_BRIEF, fencedGuard("terminate", true)],
  ["fail", FAIL, fencedGuard("fail")],
  ["snooze", SNOOZE, fencedGuard("snooze")],
  ["revokeLease", REVOKE_LEASE, `record_ver = w_rv AND ${statusIn(fromOf("revokeLease", "recordVer"), "+status")}`],
  ["cancelTask", CANCEL, operatorGuard("cancelTask")],
  ["holdTask", HOLD, operatorGuard("holdTask")],
  ["releaseTask", RELEASE, operatorGuard("releaseTask")],
  ["retryTask", RETRY_TASK, operatorGuard("retryTask")],
];

describe("the transition table generates", () => {
  it("every transition statement's status guard, and each names exactly the table's from statuses", () => {
    for (const [op, text, guard] of GUARDED) {
      expect(text, op).toContain(guard);
      // the statuses a guard names (quoted) are the table's, each with its own guard kind
      const named = [...guard.matchAll(/'([a-z]+)'/g)].map((m) => m[1]).sort();
      const from = text === TERMINATE_BRIEF ? fromOf(op, "owner") : fromOf(op);
      expect(named, op).toEqual([...from].sort());
    }
  });

  it("the live indexes' conditions and the reservation's from the statuses' kinds", () => {
    expect(WAITING).toBe(statusIn(statusesKept("waiting")));
    expect(PARKED).toBe(statusIn(statusesKept("parked")));
    expect(RESERVE_ONE).toContain(WAITING);
    expect(RESERVE_ONE).toContain(PARKED);
    // reservation takes exactly the live statuses
    expect(fromOf("reserve")).toEqual(STATUSES.filter((s) => STATUS_RULES[s].kept !== "resting"));
  });

  it("a status order with each kind together: waiting, parked, resting", () => {
    const kinds = STATUSES.map((s) => STATUS_RULES[s].kept);
    expect(kinds).toEqual([...kinds].sort((a, b) =>
      ["waiting", "parked", "resting"].indexOf(a) -
      ["waiting", "parked", "resting"].indexOf(b)
    ));
    expect(statusesKept("waiting")).toHaveLength(1);
  });

  it("every target a table status, every status reachable", () => {
    const reached = new Set(Object.values(TRANSITIONS).flatMap((t) => [...t.to]));
    expect([...reached].sort()).toEqual([...STATUSES].sort());
  });

  it("the docs' status table and list of moves (docs/lifecycle.md)", () => {
    const doc = readFileSync(new URL("../docs/lifecycle.md", import.meta.url), "utf8");
    // the block of table lines that starts with the status table's header
    const lines = doc.split("\n");
    const start = lines.indexOf("| status | reservable | final | reached by |");
    const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
    const table = lines.slice(start, end).join("\n");
    expect(table).toBe(statusTable());
    const moves = lines.filter((l) => /^- `[a-z]+` → /.test(l)).join("\n");
    expect(moves).toBe(movesList());
  });
});

/** The contract's names of the table's operations. */
const CONTRACT_OP: Record<Op, Operation> = {
  terminate: "terminate",
  fail: "fail",
  snooze: "snooze",
  revoke: "revokeLease",
  reserve: "reserve",
  cancel: "cancelTask",
  hold: "holdTask",
  release: "releaseTask",
  retry: "retryTask",
};

describe("the transition table agrees with the contract's status-transition suite (taskq.contract.ts)", () => {
  it("from every status, the same operations move a task, to the statuses the contract expects", () => {
    for (const status of STATUSES) {
      for (const op of Object.keys(CONTRACT_OP) as Op[]) {
        const name = CONTRACT_OP[op];
        // the contract reserves from a status only what is due at once: its running and snoozed tasks are not
        const moves = name === "reserve"
          ? STATUS_RULES[status].kept === "waiting"
          : guardOf(name, status) !== undefined;
        expect(moves, `${op} from ${status}`).toBe(TRANSITIONS_ALLOWED[status].includes(op));
        expect(ruleOf(name).to, op).toContain(TRANSITION_TO[op]);
        // the contract's refusals (task-cancelled for a worker's write to a cancelled task) are the table's
        if (!moves && name !== "reserve") {
          const want = status === "cancelled" && ["terminate", "fail", "snooze"].includes(op)
            ? "task-cancelled"
            : "invalid-status-transition";
          expect(tableRefusal(name, status).code, `${op} from ${status}`).toBe(want);
        }
      }
    }
  });
});

/**
 * The operations on an existing task that a caller makes (creation has no
 * from status; the dependants trigger's moves are the database's, tested in
 * dependencies.test.ts).
 */
const OPS = (Object.keys(TRANSITIONS) as Operation[]).filter((op) =>
  op !== "createTask" && op !== "dependenciesDone" && op !== "dependencyFailed"
);
const PID = "w1";

/** The reason the table gives for `op` refused on a task in `status` it does not move from. */
function tableRefusal(op: Operation, status: Status): { code: string; message: RegExp } {
  const rule = statusRule(status);
  if (rule.stopsWorker && fromOf(op, "owner").length) return { code: "task-cancelled", message: /was cancelled/ };
  if (ruleOf(op).refusedAs === "invalid-status") {
    return { code: "invalid-status", message: new RegExp(`is ${status}, not ${fromOf(op).join(" or ")}$`) };
  }
  return { code: "invalid-status-transition", message: new RegExp(`a ${status} task cannot ${escape(saysOf(op))}$`) };
}
const escape = (s: string) => s.replace(/[()]/g, "\\$&");

/**
 * A task of its own topic in `status`, made through the store's own
 * operations. For a reservation, a running task's lease has run out and a
 * snoozed one is due.
 */
async function taskIn(q: TaskQ, status: Status, due: boolean): Promise<Task> {
  const topic = uniq("tt");
  const t = await q.createTask({ topic, data: null, maxAttempts: 5 });
  const reserve = async () => (await q.reserveTask(topic, PID, { leaseTimeMs: due ? 1 : 60_000 }))!;
  switch (status) {
    case "starting":
      return t;
    case "running": {
      const r = await reserve();
      if (due) await new Promise((ok) => setTimeout(ok, 5));
      return r;
    }
    case "snoozed": {
      const r = await reserve();
      return await q.snooze(t.taskId, PID, due ? 0 : 60_000, { leaseId: r.leaseId! });
    }
    case "held":
      return await q.holdTask(t.taskId);
    case "blocked":
      return await q.createTask({ topic: uniq("tb"), dependsOn: [t.taskId] });
    case "failed":
      return await q.fail(t.taskId, PID, "by hand");
    case "terminated": {
      const r = await reserve();
      return await q.terminate(t.taskId, PID, { leaseId: r.leaseId! });
    }
    case "cancelled":
      return await q.cancelTask(t.taskId, "by hand");
  }
}

/** `op` on `t` with the claims the task allows (its owner, its lease, its version). */
async function apply(
  q: TaskQ,
  op: Operation,
  t: Task,
  claims: { pid?: string; leaseId?: string; recordVer?: number } = {},
) {
  const pid = claims.pid ?? PID;
  const fence = "leaseId" in claims ? { leaseId: claims.leaseId } : t.leaseId ? { leaseId: t.leaseId } : {};
  switch (op) {
    case "reserve":
      return await q.reserveTask(t.topic, PID);
    case "extendLease":
      return await q.extendLease(t.taskId, pid, fence);
    case "terminate":
      return await q.terminate(t.taskId, pid, fence);
    case "fail":
      return await q.fail(t.taskId, pid, "e", fence);
    case "snooze":
      return await q.snooze(t.taskId, pid, 60_000, fence);
    case "revokeLease":
      return await q.revokeLease(t.taskId, claims.recordVer ?? t.recordVer);
    case "cancelTask":
      return await q.cancelTask(t.taskId, "r");
    case "holdTask":
      return await q.holdTask(t.taskId);
    case "releaseTask":
      return await q.releaseTask(t.taskId);
    case "retryTask":
      return await q.retryTask(t.taskId);
    case "createTask":
    case "dependenciesDone":
    case "dependencyFailed":
      throw new Error("not an operation a caller makes on a task");
  }
}

async function outcome(p: Promise<Task | null>): Promise<Task | null | TaskError> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TaskError) return e;
    throw e;
  }
}

for (const target of TARGETS.filter((t) => t.name === ":memory:" || t.name === "file:")) {
  describe(`every operation from every status, as the table says (${target.name})`, () => {
    let q: TaskQ;
    let cleanup: () => Promise<void>;
    beforeAll(() => {
      ({ taskq: q, cleanup } = target.make());
    });
    afterAll(() => cleanup());

    for (const op of OPS) {
      for (const status of STATUSES) {
        const guard = guardOf(op, status);
        it(`${op} from ${status}: ${guard ? `moves it (${guard})` : "refused"}`, async () => {
          const t = await taskIn(q, status, op === "reserve");
          expect(t.status).toBe(status);
          const got = await outcome(apply(q, op, t));
          if (op === "reserve") {
            // a reservation never refuses: it takes the task or passes over it
            if (guard) expect((got as Task).taskId).toBe(t.taskId);
            else expect(got).toBeNull();
            if (guard) expect(TRANSITIONS.reserve.to).toContain((got as Task).status);
            return;
          }
          if (guard) {
            expect(got).not.toBeInstanceOf(TaskError);
            expect(ruleOf(op).to).toContain((got as Task).status);
            return;
          }
          const want = tableRefusal(op, status);
          expect(got).toBeInstanceOf(TaskError);
          expect((got as TaskError).code).toBe(want.code);
          expect((got as TaskError).message).toMatch(want.message);
          expect((await q.task(t.taskId))!.status).toBe(status); // nothing written
        });

        // what each guard checks besides the status
        if (guard === "owner") {
          it(
            `${op} from ${status}: refused for another pid, another lease${
              ruleOf(op).liveLease ? " or a lease run out" : ""
            }`,
            async () => {
              const t = await taskIn(q, status, false);
              const other = (await outcome(apply(q, op, t, { pid: "w2" }))) as TaskError;
              expect([other.code, other.message]).toEqual([
                "wrong-owner",
                expect.stringMatching(/another pid, not w2$/),
              ]);
              const stale = (await outcome(apply(q, op, t, { leaseId: "stale" }))) as TaskError;
              expect([stale.code, stale.message]).toEqual([
                "wrong-owner",
                expect.stringMatching(/lease stale is not the task's current lease/),
              ]);
              if (ruleOf(op).liveLease) {
                const late = await taskIn(q, status, true);
                const expired = (await outcome(apply(q, op, late))) as TaskError;
                expect(expired.code).toBe("lease-expired");
              }
            },
          );
        }
        if (guard === "unowned") {
          it(`${op} from ${status}: refused for a write fenced by a lease`, async () => {
            const t = await taskIn(q, status, false);
            const fenced = (await outcome(apply(q, op, t, { leaseId: "gone" }))) as TaskError;
            expect([fenced.code, fenced.message]).toEqual([
              "wrong-owner",
              expect.stringMatching(/no longer holds it$/),
            ]);
          });
        }
        if (guard === "recordVer") {
          it(`${op} from ${status}: refused at another version`, async () => {
            const t = await taskIn(q, status, false);
            const stale = (await outcome(apply(q, op, t, { recordVer: t.recordVer - 1 }))) as TaskError;
            expect([stale.code, stale.message]).toEqual([
              "task-concurrently-updated",
              expect.stringMatching(/recordVer is \d+, not \d+/),
            ]);
          });
        }
      }
    }
  });
}
