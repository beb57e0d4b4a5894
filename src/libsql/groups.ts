/**
 * Sealing a task group (`sealGroup`): its follow-up, a dependant of every
 * task the group has at the seal, made once per group in one write
 * transaction (statements/nodes.ts, `SEAL`).
 *
 * @module
 */

import { TaskError } from "../errors.ts";
import { checkArg, invalid, Name } from "../schemas.ts";
import type { Enqueued, TaskDef } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { toNode } from "./flows.ts";
import { rowToTask } from "./rows.ts";
import { SEAL } from "./statements/nodes.ts";

const POLICIES: readonly unknown[] = ["fail", "run", "cancel"];

/** A refusal of the follow-up's definition, its fields named as `followUp.<field>`. */
function inFollowUp(e: unknown): unknown {
  if (!(e instanceof TaskError) || !e.issues) return e;
  const issues = e.issues.map((i) => ({ path: i.path ? `followUp.${i.path}` : "followUp", message: i.message }));
  return invalid("sealGroup", issues, e.code as "invalid-task");
}

/** Seals `taskGroupId` with `followUp` (see `TaskQ.sealGroup`). */
export async function sealGroup<D>(ctx: StoreContext, taskGroupId: string, followUp: TaskDef<D>): Promise<Enqueued<D>> {
  const what = "sealGroup";
  checkArg(Name, taskGroupId, what, "taskGroupId");
  const refuse = (field: string, message: string) => invalid(what, [{ path: `followUp.${field}`, message }]);
  // the follow-up's policy is checked here: toNode takes one only with dependsOn
  const { onDependencyFailure, ...rest } =
    (typeof followUp === "object" && followUp !== null ? followUp : {}) as TaskDef<D>;
  if (onDependencyFailure !== undefined && !POLICIES.includes(onDependencyFailure)) {
    throw refuse("onDependencyFailure", 'must be "fail", "run" or "cancel"');
  }
  let node;
  try {
    ({ node } = toNode(
      typeof followUp === "object" && followUp !== null ? rest : followUp,
      ctx.maxDataBytes,
      what,
      0,
      false,
    ));
  } catch (e) {
    throw inFollowUp(e);
  }
  const def = followUp as TaskDef<D>;
  if (def.uniqueKey !== undefined) throw refuse("uniqueKey", "is not given to a follow-up (a group has one)");
  if (def.dependsOn !== undefined) {
    throw refuse("dependsOn", "is not given to a follow-up: it depends on its group's tasks");
  }
  if (def.runAt !== undefined || def.delayMs !== undefined) {
    throw refuse(
      def.runAt !== undefined ? "runAt" : "delayMs",
      "is not given to a follow-up: it starts when its group is done",
    );
  }
  if ((def.taskGroupId ?? node.json.id) === taskGroupId) {
    throw refuse("taskGroupId", `is the sealed group ${taskGroupId}: a follow-up cannot wait for itself`);
  }
  node.json.onFail = onDependencyFailure ?? "run";
  const arg = JSON.stringify(node.json);
  let results;
  try {
    results = await ctx.batch(
      SEAL.map((sql, i) => ({ sql, args: i === 1 ? [arg, taskGroupId, node.data] : [arg, taskGroupId] })),
      "write",
      SEAL.length,
      what,
    );
  } catch (e) {
    if (node.givenId && (e as TaskError).cause && /UNIQUE/i.test(String((e as TaskError).cause))) {
      throw new TaskError(
        "conflict",
        "task-already-exists",
        `${what}: task ${node.json.id} already exists; nothing was created`,
        { issues: [{ path: "followUp.taskId", message: `${node.json.id} already exists; nothing was created` }] },
      );
    }
    throw e;
  }
  const rows = results[results.length - 1].rows;
  if (!rows.length) {
    throw new TaskError("not-found", "group-not-found", `${what} ${taskGroupId}: the group has no tasks`);
  }
  const task = rowToTask<D>(rows[0]);
  if (task.status === "starting") ctx.announce([task]);
  return { task, deduplicated: !Number(rows[0].inserted) };
}
