/**
 * Tasks with a unique key or dependencies, and flows of them: validating
 * the definitions into nodes (refs resolved, cycles refused, dependencies
 * before their dependants), writing them in ONE write transaction
 * (statements/nodes.ts), and explaining a refused one by one read.
 *
 * @module
 */

import type { Result, Statement } from "../drivers/driver.ts";
import { encodeData } from "../data.ts";
import { type Issue, TaskError } from "../errors.ts";
import { newId } from "../ids.ts";
import { invalid, parseOrThrow, TaskDefSchema } from "../schemas.ts";
import type { Enqueued, EnqueuedMany, Task, TaskDef } from "../types.ts";
import { classifyDriverError } from "./driver-errors.ts";
import type { StoreContext } from "./context.ts";
import { type RowFlags, rowToTask } from "./rows.ts";
import { atIndex } from "./task-rows.ts";
import { DEFAULT_SUB_TOPIC } from "./statements/fragments.ts";
import { EXISTING_IDS_JSON } from "./statements/insert.ts";
import { INSERT_EDGES, INSERT_NODE, MARK_DEPENDENCIES, MISSING_IDS, type NodeJson } from "./statements/nodes.ts";
import { HOLDER } from "./statements/unique.ts";

/** The fields that send a definition here rather than to the plain inserts. */
const RICH = ["uniqueKey", "unique", "onDuplicate", "dependsOn", "onDependencyFailure", "ref"] as const;

/** Whether `def` gives a unique key, dependencies or a ref (a cheap look at its keys, before any validation). */
export function isRich(def: unknown): boolean {
  if (typeof def !== "object" || def === null) return false;
  for (const k of RICH) if ((def as Record<string, unknown>)[k] !== undefined) return true;
  return false;
}

/** A validated definition: its statement argument, data, and where it came from. */
export interface Node {
  index: number;
  json: NodeJson;
  data: string;
  /** Whether the caller gave its id (only those can exist already). */
  givenId: boolean;
  /** Its dependencies outside the call (to name a missing one). */
  external: { id: string; at: number }[];
}

/** Validates one definition into a node; `inCall` tells what its refs and ids may name (createTasks). */
export function toNode(input: unknown, maxDataBytes: number, what: string, index: number, many: boolean): {
  node: Node;
  deps: (string | { ref: string })[];
  ref?: string;
} {
  const def = parseOrThrow(TaskDefSchema, input, what);
  const bad = (path: string, message: string) => invalid(what, [{ path, message }]);
  if (def.runAt !== undefined && def.delayMs !== undefined) {
    throw bad("delayMs", "cannot be given with runAt: give one of them");
  }
  if (def.uniqueKey === undefined) {
    if (def.unique !== undefined) throw bad("unique", "is only given with uniqueKey");
    if (def.onDuplicate !== undefined) throw bad("onDuplicate", "is only given with uniqueKey");
  }
  const u = def.unique ?? (def.uniqueKey === undefined ? undefined : "active");
  const debounce = typeof u === "object" && "debounceMs" in u ? u : undefined;
  if (debounce) {
    if (def.runAt !== undefined) throw bad("runAt", "cannot be given with a debounce (it sets the run time)");
    if (def.delayMs !== undefined) throw bad("delayMs", "cannot be given with a debounce (it sets the run time)");
    if (def.onDuplicate === "error") {
      throw bad("onDuplicate", 'cannot be "error" with a debounce (a duplicate updates it)');
    }
    if (def.dependsOn !== undefined) throw bad("dependsOn", "cannot be given with a debounce");
    if (debounce.maxWaitMs !== undefined && debounce.maxWaitMs < debounce.debounceMs) {
      throw bad("unique.maxWaitMs", `must be at least debounceMs (${debounce.debounceMs}), not ${debounce.maxWaitMs}`);
    }
  }
  if (def.dependsOn === undefined && def.onDependencyFailure !== undefined) {
    throw bad("onDependencyFailure", "is only given with dependsOn");
  }
  if (def.dependsOn !== undefined) {
    if (def.runAt !== undefined) {
      throw bad("runAt", "cannot be given with dependsOn (a dependant starts when its dependencies end)");
    }
    if (def.delayMs !== undefined) {
      throw bad("delayMs", "cannot be given with dependsOn (a dependant starts when its dependencies end)");
    }
  }
  if (!many && def.ref !== undefined) {
    throw bad("ref", "is only given in createTasks (it names a definition of the call)");
  }
  const taskId = def.taskId ?? newId();
  const seen = new Set<string>();
  (def.dependsOn ?? []).forEach((d, j) => {
    const key = typeof d === "string" ? `id:${d}` : `ref:${d.ref}`;
    if (seen.has(key)) throw bad(`dependsOn.${j}`, `repeats ${typeof d === "string" ? d : `ref ${d.ref}`}`);
    seen.add(key);
    if (d === taskId || (typeof d === "object" && d.ref === def.ref)) {
      throw bad(`dependsOn.${j}`, "is the task itself: a task cannot depend on itself");
    }
  });
  const policy = u === undefined ? null : typeof u === "string" ? u : "periodMs" in u ? "period" : "debounce";
  const json: NodeJson = {
    id: taskId,
    group: def.taskGroupId === undefined || def.taskGroupId === taskId ? null : def.taskGroupId,
    desc: def.taskDescription ?? null,
    topic: def.topic,
    sub: def.subTopic ?? DEFAULT_SUB_TOPIC,
    timeout: def.timeoutMs ?? null,
    prio: def.priority ?? null,
    max: def.maxAttempts ?? null,
    backoff: def.backoff === undefined ? null : JSON.stringify(def.backoff),
    delay: debounce ? debounce.debounceMs : def.delayMs ?? null,
    runAt: (def.runAt as number | undefined) ?? null,
    key: def.uniqueKey ?? null,
    policy,
    ms: typeof u === "object" ? ("periodMs" in u ? u.periodMs : u.debounceMs) : null,
    maxMs: debounce?.maxWaitMs ?? null,
    dupError: def.onDuplicate === "error" ? 1 : 0,
    onFail: def.dependsOn === undefined ? null : def.onDependencyFailure ?? "fail",
    pkey: def.partitionKey ?? null,
  };
  const data = encodeData(def.data === undefined ? null : def.data, maxDataBytes, what);
  return {
    node: { index, json, data, givenId: def.taskId !== undefined, external: [] },
    deps: def.dependsOn ?? [],
    ref: def.ref,
  };
}

/**
 * The nodes of `defs`, dependencies first: refs and ids of the call
 * resolved to their task ids; a ref naming nothing, a dependency on a
 * definition with a unique key (it may be deduplicated), a repeated ref or
 * id, and a cycle are refused, naming the definition and its field.
 */
export function planNodes(defs: unknown[], maxDataBytes: number, what: string, many: boolean): Node[] {
  const planned = defs.map((d, i) => {
    try {
      return toNode(d, maxDataBytes, what, i, many);
    } catch (e) {
      throw many ? atIndex(e, i) : e;
    }
  });
  const byRef = new Map<string, number>();
  const byId = new Map<string, number>();
  planned.forEach((p, i) => {
    if (p.ref !== undefined) {
      if (byRef.has(p.ref)) throw invalid(what, [{ path: `${i}.ref`, message: `repeats ref ${p.ref}` }]);
      byRef.set(p.ref, i);
    }
    if (p.node.givenId) {
      if (byId.has(p.node.json.id)) {
        throw invalid(what, [{ path: `${i}.taskId`, message: `repeats task id ${p.node.json.id}` }]);
      }
      byId.set(p.node.json.id, i);
    }
  });
  // edges inside the call: node i waits for node k, its dependency number j
  const inner: { k: number; j: number }[][] = planned.map(() => []);
  planned.forEach((p, i) => {
    const ids: string[] = [];
    p.deps.forEach((d, j) => {
      const at = `${many ? `${i}.` : ""}dependsOn.${j}`;
      const k = typeof d === "string" ? byId.get(d) : byRef.get(d.ref);
      if (typeof d === "object" && k === undefined) {
        throw invalid(what, [{ path: at, message: `names ref ${d.ref}, which no definition of the call has` }]);
      }
      if (k === undefined) {
        ids.push(d as string);
        p.node.external.push({ id: d as string, at: j });
        return;
      }
      if (planned[k].node.json.key !== null) {
        throw invalid(what, [{
          path: at,
          message:
            `names definition ${k}, which has a uniqueKey: it may be deduplicated, so it cannot be depended on in its own call`,
        }]);
      }
      const id = planned[k].node.json.id;
      if (ids.includes(id)) throw invalid(what, [{ path: at, message: `repeats ${id}` }]);
      ids.push(id);
      inner[i].push({ k, j });
    });
    if (p.deps.length) p.node.json.deps = ids;
  });
  return order(planned.map((p) => p.node), inner, what);
}

/** The nodes with every one after the nodes it waits for (in the given order otherwise); a cycle is refused. */
function order(nodes: Node[], inner: { k: number; j: number }[][], what: string): Node[] {
  const out: Node[] = [];
  const state = new Uint8Array(nodes.length); // 0 new, 1 on the path, 2 placed
  const path: { i: number; j: number }[] = [];
  const visit = (i: number): void => {
    state[i] = 1;
    for (const { k, j } of inner[i]) {
      path.push({ i, j });
      if (state[k] === 1) {
        const cycle = path.slice(path.findIndex((p) => p.i === k));
        throw invalid(what, [{
          path: `${i}.dependsOn.${j}`,
          message: `makes a cycle: ${[...cycle.map((p) => p.i), k].map((x) => nodes[x].json.id).join(" → ")}`,
        }]);
      }
      if (state[k] === 0) visit(k);
      path.pop();
    }
    state[i] = 2;
    out.push(nodes[i]);
  };
  for (let i = 0; i < nodes.length; i++) if (state[i] === 0) visit(i);
  return out;
}

/**
 * The statements of `nodes`, in order: each insert, then (a dependant) its
 * edges and its dependencies' mark; `at`: where each node's insert is. A fixed
 * list (no read in between): the store sends it in one transaction, as may a
 * caller in its own batch (`enqueueBatch`).
 */
export function statementsOf(nodes: Node[]): { stmts: Statement[]; at: number[] } {
  const stmts: Statement[] = [];
  const at: number[] = [];
  for (const n of nodes) {
    const arg = JSON.stringify(n.json);
    at.push(stmts.length);
    stmts.push({ sql: INSERT_NODE, args: [arg, n.data] });
    if (n.json.deps) stmts.push({ sql: INSERT_EDGES, args: [arg] }, { sql: MARK_DEPENDENCIES, args: [arg] });
  }
  return { stmts, at };
}

/**
 * Writes `nodes` in one write transaction, all or none, and answers each
 * definition (by its index) with its task or its key's holder. A refusal is
 * explained by reads: ids that exist, dependencies missing, keys held with
 * `onDuplicate: "error"`; one that no read explains (the state moved) is
 * tried again.
 */
export async function createNodes<D>(
  ctx: StoreContext,
  nodes: Node[],
  what: string,
  many: boolean,
): Promise<EnqueuedMany<D>> {
  const { stmts, at } = statementsOf(nodes);
  for (let attempt = 0;; attempt++) {
    let results: Result[];
    try {
      results = await ctx.batch(stmts, "write", stmts.length, what);
    } catch (e) {
      if (classifyDriverError((e as TaskError).cause) !== "constraint") throw e;
      const why = await explain(ctx, nodes, what, many);
      if (why) throw why;
      if (attempt < 2) continue;
      throw e;
    }
    const made = nodesResult<D>(nodes, at, results);
    ctx.announce(made.tasks);
    return made;
  }
}

/** Each definition's task (by its index) and which were deduplicated, from the results of `statementsOf(nodes)`. */
export function nodesResult<D>(nodes: Node[], at: number[], results: readonly Result[]): EnqueuedMany<D> {
  const tasks: Task<D>[] = new Array(nodes.length);
  const deduplicated: number[] = [];
  const flags: RowFlags = { dependants: false };
  nodes.forEach((n, k) => {
    const row = results[at[k]].rows[0];
    tasks[n.index] = rowToTask<D>(row, flags);
    if (!Number(row.inserted)) deduplicated.push(n.index);
  });
  deduplicated.sort((a, b) => a - b);
  return { tasks, deduplicated };
}

/** Why the transaction of `nodes` was refused, by one read per kind; null when nothing explains it now. */
async function explain(ctx: StoreContext, nodes: Node[], what: string, many: boolean): Promise<TaskError | null> {
  const where = (n: Node, field: string) => (many ? `${n.index}.${field}` : field);
  const given = nodes.filter((n) => n.givenId);
  if (given.length) {
    const rs = await ctx.run(
      { sql: EXISTING_IDS_JSON, args: [JSON.stringify(given.map((n) => n.json.id))] },
      "read",
      what,
    );
    const taken = new Set(rs.rows.map((r) => r.task_id as string));
    if (taken.size) {
      const hit = given.filter((n) => taken.has(n.json.id));
      return new TaskError(
        "conflict",
        "task-already-exists",
        `${what}: task(s) ${[...taken].slice(0, 10).join(", ")} already exist; nothing was created`,
        {
          details: { taskIds: [...taken] },
          issues: hit.map((n) => ({
            path: where(n, "taskId"),
            message: `${n.json.id} already exists; nothing was created`,
          })),
        },
      );
    }
  }
  const external = nodes.flatMap((n) => n.external.map((d) => ({ n, ...d })));
  if (external.length) {
    const rs = await ctx.run(
      { sql: MISSING_IDS, args: [JSON.stringify([...new Set(external.map((d) => d.id))])] },
      "read",
      what,
    );
    const missing = new Set(rs.rows.map((r) => r.id as string));
    const issues: Issue[] = external.filter((d) => missing.has(d.id)).map((d) => ({
      path: where(d.n, `dependsOn.${d.at}`),
      message: `names task ${d.id}, which does not exist; nothing was created`,
    }));
    if (issues.length) return invalid(what, issues);
  }
  for (const [k, n] of nodes.entries()) {
    if (!n.json.dupError) continue;
    const rs = await ctx.run({ sql: HOLDER, args: [n.json.topic, n.json.key] }, "read", what);
    if (rs.rows.length) {
      const holder = rowToTask(rs.rows[0]);
      return new TaskError(
        "conflict",
        "duplicate-task",
        `${what}${
          many ? ` [${n.index}]` : ""
        }: task ${holder.taskId} holds uniqueKey ${n.json.key} of topic ${n.json.topic}; nothing was created`,
        { details: { taskId: holder.taskId, ...(many ? { index: n.index } : {}) } },
      );
    }
    // an earlier definition of the call that holds the same key (written before it in the rolled-back
    // transaction): the same topic and key, and both periods of one length or neither a period
    const family = (m: Node) => (m.json.policy === "period" ? `period ${m.json.ms}` : "key");
    const earlier = nodes.slice(0, k).find((m) =>
      m.json.topic === n.json.topic && m.json.key === n.json.key && family(m) === family(n)
    );
    if (earlier) {
      return new TaskError(
        "conflict",
        "duplicate-task",
        `${what} [${n.index}]: definition ${earlier.index} of the call holds the same uniqueKey ${n.json.key}; nothing was created`,
        { details: { index: n.index, sameAs: earlier.index } },
      );
    }
  }
  return null;
}

/** `createTask` / `enqueue` of one rich definition. */
export async function createNode<D>(ctx: StoreContext, def: TaskDef<D>): Promise<Enqueued<D>> {
  const nodes = planNodes([def], ctx.maxDataBytes, "createTask", false);
  const { tasks, deduplicated } = await createNodes<D>(ctx, nodes, "createTask", false);
  return { task: tasks[0], deduplicated: deduplicated.length > 0 };
}
