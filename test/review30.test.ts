/**
 * Hostile review of issue 30's store core (unique tasks, dependencies,
 * group follow-ups): each test is one finding, failing on main at 38dae93.
 * Each says what docs/flows.md promises and what happens instead.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TaskQ } from "../mod.ts";
import { rejection, TARGETS, uniq } from "./helpers.ts";
import { endTask, pruneNow, statusOf } from "./flow-steps.ts";

const LOCAL = TARGETS.filter((t) => t.name === ":memory:" || t.name.startsWith("file:"));

for (const target of LOCAL) {
  describe(`review30 (${target.name})`, () => {
    let q: TaskQ;
    let cleanup: () => Promise<void>;
    let topic: string;
    beforeEach(() => {
      ({ taskq: q, cleanup } = target.make({ leaseTimeMs: 60_000 }));
      topic = uniq("r30");
    });
    afterEach(() => cleanup());

    const end = (taskId: string, how: "ok" | "fail" | "cancel") => endTask(q, taskId, how);
    const status = (id: string) => statusOf(q, id);
    const prune = (t: { taskId: string; topic: string }, statuses: ("terminated" | "failed" | "cancelled")[]) =>
      pruneNow(q, t, statuses);

    // docs/flows.md ("A dependency that already ended"): with "fail", a dependant is created failed, its error
    // `dependency <id> ended failed`; ("Re-running and cancelling") a re-run of that dependency re-arms what its
    // ending ended. Task ids may hold inner spaces (Name: no outer whitespace only). What happens: INSERT_NODE
    // (src/libsql/statements/nodes.ts, the `blocker` and `error` columns) splits "<id> <status>" at the FIRST space
    // and replaces EVERY space: the error reads "dependency dep ended one ended cancelled", the blocker is "dep",
    // so the re-run of "dep one" re-arms nothing and the dependant stays failed for good.
    it("a dependency whose id has a space: the dependant created failed names it whole, and its re-run re-arms it", async () => {
      const dep = await q.createTask({ topic: uniq("a"), taskId: uniq("dep one") });
      await end(dep.taskId, "cancel");
      const d = await q.createTask({ topic, dependsOn: [dep.taskId] });
      expect(d.status).toBe("failed");
      await q.retryTask(dep.taskId);
      expect(await status(d.taskId)).toBe("blocked"); // stays "failed"
      expect(d.error).toBe(`dependency ${dep.taskId} ended cancelled`);
    });

    // docs/flows.md ("Group follow-ups"): the follow-up's onDependencyFailure "defaults to "run" here … give "fail"
    // or "cancel" to end it instead when one of them fails" (and spec30: `onDependencyFailure` default "run").
    // What happens: sealGroup (src/libsql/groups.ts) validates the follow-up with toNode (flows.ts), which refuses
    // onDependencyFailure without dependsOn — and a follow-up may not carry dependsOn — so "fail" and "cancel" are
    // refused (invalid-task "onDependencyFailure is only given with dependsOn", path not even `followUp.…`).
    it("sealGroup takes onDependencyFailure fail or cancel for its follow-up", async () => {
      const g = uniq("g");
      const [a] = await q.createTasks([{ topic: uniq("a"), taskGroupId: g }]);
      const { task: fu } = await q.sealGroup(g, { topic, onDependencyFailure: "cancel" });
      expect(fu).toMatchObject({ status: "blocked", onDependencyFailure: "cancel" });
      await end(a.taskId, "fail");
      expect(await status(fu.taskId)).toBe("cancelled");
    });

    // The same split in SEAL's last update (nodes.ts, SEAL[5]): a follow-up with "fail" sealed over a group whose
    // cancelled task has a space in its id gets a mangled error, and a re-run of that task does not re-arm it
    // (docs: "A follow-up that ended failed or cancelled … waits for any re-run task of the group"). Reachable
    // only once the finding above is fixed: today it fails at the refusal of onDependencyFailure.
    it("sealGroup: a group task id with a space is named whole in the follow-up's error, and its re-run re-arms it", async () => {
      const g = uniq("g");
      const [a] = await q.createTasks([{ topic: uniq("a"), taskId: uniq("part one"), taskGroupId: g }]);
      await end(a.taskId, "cancel");
      const { task: fu } = await q.sealGroup(g, { topic, onDependencyFailure: "fail" });
      expect(fu.status).toBe("failed");
      expect(fu.error).toBe(`dependency ${a.taskId} ended cancelled`);
      await q.retryTask(a.taskId);
      expect(await status(fu.taskId)).toBe("blocked");
    });

    // docs/flows.md ("Dependencies"): a dependant becomes starting "when each dependency has ended terminated".
    // A pruned dependency is shown as `status: null`, but its edge stays in sokka_deps (PRUNED_TRIGGER in
    // src/libsql/statements/dependencies.ts deletes only a pruned DEPENDANT's edges). A new task created later under
    // the pruned id (task ids are the caller's: idempotency keys) is then taken for the old dependency: once it
    // has a dependant of its own, its ending runs the trigger over the stale edge, `deps_left` of the old
    // dependant drops a second time for the same edge, and it starts while its other dependency has not ended.
    it("a pruned dependency's id reused by a new task: the old dependant does not start before its other dependency ends", async () => {
      const x = await q.createTask({ topic: uniq("x"), taskId: uniq("x") });
      const y = await q.createTask({ topic: uniq("y") });
      const d = await q.createTask({ topic, dependsOn: [x.taskId, y.taskId] });
      await end(x.taskId, "ok");
      await prune(x, ["terminated"]);
      expect((await q.task(d.taskId))!.dependsOn[0]).toEqual({ taskId: x.taskId, status: null });
      // a new, unrelated task under the same id, with a dependant of its own
      const x2 = await q.createTask({ topic: x.topic, taskId: x.taskId });
      await q.createTask({ topic: uniq("e"), dependsOn: [x2.taskId] });
      await end(x2.taskId, "ok");
      // y has not even started: d must still wait for it
      expect(await status(y.taskId)).toBe("starting");
      expect(await status(d.taskId)).toBe("blocked");
    });

    // Same cause, read side: docs/flows.md says a pruned dependency shows `status: null` and `dependencies()`
    // leaves it out; after the id is reused, the old dependant shows the new, unrelated task (and its result) as its
    // dependency (DEPENDS_ON in statements/fragments.ts and edgePage join sokka_deps to sokka_tasks by id).
    it("a pruned dependency's id reused by a new task: the old dependant still shows it pruned", async () => {
      const x = await q.createTask({ topic: uniq("x"), taskId: uniq("x") });
      const d = await q.createTask({ topic, dependsOn: [x.taskId], onDependencyFailure: "run" });
      await end(x.taskId, "ok");
      await prune(x, ["terminated"]);
      await q.createTask({ topic: x.topic, taskId: x.taskId, data: "someone else's" });
      expect((await q.task(d.taskId))!.dependsOn).toEqual([{ taskId: x.taskId, status: null }]);
      expect((await q.dependencies(d.taskId)).data).toEqual([]);
    });

    // docs/flows.md ("Debounce"): each later create "pushes its run time to debounceMs from that create" — the run
    // time goes later, never earlier (the brief: a debounce must not move runAt backwards). INSERT_NODE's ON CONFLICT
    // (nodes.ts, `ready_at = min(excluded.ready_at, …)`) takes the later create's own debounceMs, so a later create
    // with a shorter debounceMs moves the holder's run time BACK (from ~60 s to ~1 s from now).
    it("debounce: a later create with a shorter debounceMs does not move the run time backwards", async () => {
      const first = await q.enqueue({ topic, uniqueKey: "k", unique: { debounceMs: 60_000 }, data: 1 });
      const second = await q.enqueue({ topic, uniqueKey: "k", unique: { debounceMs: 1_000 }, data: 2 });
      expect(second.deduplicated).toBe(true);
      expect(second.task.taskId).toBe(first.task.taskId);
      expect(second.task.data).toBe(2);
      expect(second.task.runAt!).toBeGreaterThanOrEqual(first.task.runAt!);
    });

    // docs/flows.md ("Unique tasks"): "no two tasks of one topic hold the same key at the same time. A create whose
    // key is held writes nothing and answers with the task that holds it." A `{ periodMs }` task holds its key
    // "whatever its status". What happens: the period task's index entry is "<key>␟<window>" (unique.ts,
    // WINDOW_SEP; nodes.ts unique_hold), so an "active" create of the same key in the same topic never meets it and
    // makes a second holder; two period policies of different periodMs hold the key side by side as well.
    // Resolved in the docs: the policy family is part of a period key.
    it("a period key is held apart from a key of another policy, as the docs say (give one key one policy)", async () => {
      const p = await q.enqueue({ topic, uniqueKey: "k", unique: { periodMs: 3_600_000 } });
      const a = await q.enqueue({ topic, uniqueKey: "k" });
      expect(a.deduplicated).toBe(false);
      expect((await q.enqueue({ topic, uniqueKey: "k" })).task.taskId).toBe(a.task.taskId);
      expect((await q.enqueue({ topic, uniqueKey: "k", unique: { periodMs: 3_600_000 } })).task.taskId).toBe(
        p.task.taskId,
      );
    });

    // docs/flows.md ("Telling a deduplicated create"): onDuplicate "error" is `conflict/duplicate-task` "with
    // details.taskId the holder … (details.index names the definition)". In createTasks, explain()
    // (src/libsql/flows.ts, the `earlier` look-up) blames ANY earlier definition with the same topic and key, even
    // one that did not conflict (here a period definition: its hold is "k␟<window>", not "k"); the holder's id is
    // then missing from details and the message names the wrong cause.
    it("createTasks onDuplicate error names the store's holder, not an earlier definition that did not conflict", async () => {
      const holder = await q.createTask({ topic, uniqueKey: "k" });
      const e = await rejection(q.createTasks([
        { topic, uniqueKey: "k", unique: { periodMs: 3_600_000 } },
        { topic, uniqueKey: "k", onDuplicate: "error" },
      ]));
      expect(e.code).toBe("duplicate-task");
      expect(e.details).toMatchObject({ taskId: holder.taskId, index: 1 });
      expect(await q.countTasks({ topic })).toBe(1);
    });

    // docs/flows.md ("Unique tasks"): "A task definition may carry a uniqueKey (a name: 1–200 characters …)".
    // src/schemas/task-def.ts gives it `Name` (1–255): a key of 201–255 characters is taken, not refused as
    // invalid-task naming uniqueKey. (Code or docs: one of them is wrong; /openapi.json says 255.)
    it("a uniqueKey is a name: 255 characters are taken, 256 refused naming it (docs and /openapi.json agree)", async () => {
      expect((await q.createTask({ topic, uniqueKey: "k".repeat(255) })).uniqueKey).toHaveLength(255);
      const e = await rejection(q.createTask({ topic, uniqueKey: "k".repeat(256) }));
      expect(e.code).toBe("invalid-task");
      expect(e.issues?.[0]?.path).toBe("uniqueKey");
    });

    // docs/flows.md ("Re-running and cancelling"): a re-armed dependant "whose other dependency is still failed
    // waits until that one is re-run too"; a dependency that is pruned "shows as null" and is left out. What
    // happens depends on the ORDER of two unrelated events: if its last open dependency ends AFTER the failed one
    // was pruned, step 3 of the trigger (dependencies.ts) finds no failed dependency and starts it; if it ended
    // BEFORE, nothing ever looks at the dependant again: it is `blocked` forever, with nothing left to wait for and
    // no re-run possible (the failed dependency is gone). `retention` prunes failed tasks on its own.
    it("a re-armed dependant is not left blocked forever when the failed dependency it waits for is pruned", async () => {
      const a = await q.createTask({ topic: uniq("a") });
      const b = await q.createTask({ topic: uniq("b") });
      const d = await q.createTask({ topic, dependsOn: [a.taskId, b.taskId] });
      await end(a.taskId, "fail");
      expect(await status(d.taskId)).toBe("failed");
      expect((await q.retryTask(d.taskId)).status).toBe("blocked");
      await end(b.taskId, "ok");
      await prune(a, ["failed"]);
      // the other order (b ends after the prune) starts d; this one should too (or end it), not leave it blocked
      expect(await status(d.taskId)).not.toBe("blocked");
    });
  });
}
