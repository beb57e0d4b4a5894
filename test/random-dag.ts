/**
 * Random task graphs for the flow tests, from a seed: each node depends on
 * up to 3 earlier nodes, may be set to fail, and has an
 * `onDependencyFailure` policy; `expectedEndings` says how each ends under
 * the documented propagation, computed from the graph alone.
 */
import type { DependencyFailurePolicy, TaskDef } from "../mod.ts";

/** A seeded PRNG (mulberry32): the same seed, the same numbers, in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One node: the earlier nodes it depends on (indexes), whether its run fails, and its policy. */
export interface DagNode {
  deps: number[];
  fail: boolean;
  policy: DependencyFailurePolicy;
  /** How long its run takes (ms). */
  ms: number;
}

/**
 * `n` nodes; node i depends on 0 to 3 distinct nodes before it, drawn
 * closer to i more often (the square of a uniform draw), so chains run deep.
 * `failRate` of the nodes fail when run; policies are drawn from `policies`.
 */
export function randomDag(
  n: number,
  seed: number,
  opts: { failRate?: number; policies?: DependencyFailurePolicy[] } = {},
): DagNode[] {
  const rnd = prng(seed);
  const policies = opts.policies ?? ["fail"];
  return Array.from({ length: n }, (_, i) => {
    const want = Math.min(i, Math.floor(rnd() * 4));
    const deps = new Set<number>();
    while (deps.size < want) deps.add(i - 1 - Math.floor(rnd() ** 2 * i));
    return {
      deps: [...deps],
      fail: rnd() < (opts.failRate ?? 0),
      policy: policies[Math.floor(rnd() * policies.length)],
      ms: Math.floor(rnd() * 3),
    };
  });
}

/** The longest chain of dependencies (in nodes). */
export function depth(nodes: DagNode[]): number {
  const d: number[] = [];
  nodes.forEach((node, i) => (d[i] = 1 + Math.max(0, ...node.deps.map((k) => d[k]))));
  return Math.max(...d);
}

/**
 * The graph as one `createTasks` call of `topic`: refs `n<i>`, the
 * definitions in a shuffled order (refs may name later definitions), each
 * with `maxAttempts: 1` (a failure is final) and data `{ node, fail, ms }`.
 * Answers the definitions and, per node, its index in the call.
 */
export function flowDefs(nodes: DagNode[], topic: string, seed: number): { defs: TaskDef[]; at: number[] } {
  const rnd = prng(seed ^ 0x5eed);
  const order = nodes.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const at: number[] = [];
  const defs = order.map((i, k): TaskDef => {
    at[i] = k;
    const node = nodes[i];
    return {
      topic,
      ref: `n${i}`,
      maxAttempts: 1,
      data: { node: i, fail: node.fail, ms: node.ms },
      ...(node.deps.length
        ? { dependsOn: node.deps.map((d) => ({ ref: `n${d}` })), onDependencyFailure: node.policy }
        : {}),
    };
  });
  return { defs, at };
}

/** How a node ends, and whether it ran. */
export interface Ending {
  status: "terminated" | "failed" | "cancelled";
  ran: boolean;
}

/**
 * How every node ends once all that can run has run: a node with a
 * dependency that ended failed or cancelled ends failed (policy "fail") or
 * cancelled ("cancel") without running; otherwise ("run", or no such
 * dependency) it runs, and ends failed if set to fail, else terminated.
 */
export function expectedEndings(nodes: DagNode[]): Ending[] {
  const out: Ending[] = [];
  nodes.forEach((node, i) => {
    const bad = node.deps.some((d) => out[d].status !== "terminated");
    if (bad && node.policy !== "run") {
      out[i] = { status: node.policy === "cancel" ? "cancelled" : "failed", ran: false };
    } else out[i] = { status: node.fail ? "failed" : "terminated", ran: true };
  });
  return out;
}

/** Every node `i` depends on, directly or not. */
export function ancestors(nodes: DagNode[], i: number): Set<number> {
  const seen = new Set<number>();
  const stack = [...nodes[i].deps];
  while (stack.length) {
    const k = stack.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    stack.push(...nodes[k].deps);
  }
  return seen;
}
