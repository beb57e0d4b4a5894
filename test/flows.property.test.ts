/**
 * Refused flows write nothing (property test, fast-check): random
 * `createTasks` flows — refs in any order, dependencies by ref or by a
 * given id, some on tasks already stored — with one fault put in (a cycle,
 * a self-reference, a missing id) are refused with invalid-task naming the
 * definition and dependency at fault, `<i>.dependsOn.<j>`, and leave the
 * tasks, the edges (sokka_deps) and the groups as they were, read through a
 * raw connection; the same flows without the fault are created as given.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type TaskDef, TaskError, type TaskQ } from "../mod.ts";
import { rawDb, rejection, storeOn, tempDbUrl } from "./helpers.ts";

const db = tempDbUrl();
let taskq: TaskQ;
let raw: Awaited<ReturnType<typeof rawDb>>;
/** Tasks stored before the flows: waiting, ended each way, and a blocked dependant (its dependency marked). */
let stored: string[] = [];

beforeAll(async () => {
  taskq = storeOn(db.url);
  raw = await rawDb(db.url);
  const [a, b, c] = await taskq.createTasks([{ topic: "pre" }, { topic: "pre-ok" }, { topic: "pre-bad" }]);
  await taskq.reserveTask("pre-ok", "w");
  await taskq.terminate(b.taskId, "w");
  await taskq.cancelTask(c.taskId, "no");
  const d = await taskq.createTask({ topic: "pre", dependsOn: [a.taskId] });
  stored = [a.taskId, b.taskId, c.taskId, d.taskId];
});
afterAll(async () => {
  raw.close();
  await taskq.close();
  db.cleanup();
});

/** Everything a create could have written: every task's row state, every edge, every seal. */
async function fingerprint(): Promise<string> {
  const read = async (sql: string) => JSON.stringify((await raw.execute(sql)).rows);
  return [
    await read(
      `SELECT task_id, status, record_ver, dependants, deps_left, blocker, ready_at FROM sokka_tasks ORDER BY id`,
    ),
    await read("SELECT dependant, dependency FROM sokka_deps ORDER BY dependant, dependency"),
    await read("SELECT * FROM sokka_groups ORDER BY task_group_id"),
  ].join("\n");
}

type Fault = "cycle" | "self" | "missing" | "none";
/** A node of the flow: its dependencies (numbers folded onto the nodes before it), how it names them, its id. */
const nodeArb = fc.record({
  deps: fc.array(fc.nat(), { maxLength: 3 }),
  external: fc.array(fc.nat(), { maxLength: 2 }),
  givenId: fc.boolean(),
  byId: fc.boolean(),
});
const flowArb = fc.record({
  nodes: fc.array(nodeArb, { minLength: 1, maxLength: 12 }),
  order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  fault: fc.constantFrom<Fault>("cycle", "self", "missing", "none"),
  x: fc.nat(),
  y: fc.nat(),
  pos: fc.nat(),
});

let run = 0;

it("a flow with a cycle, a self-reference or a missing id is refused naming <i>.dependsOn.<j>, writing nothing", async () => {
  const seen = new Set<Fault>();
  await fc.assert(
    fc.asyncProperty(flowArb, async (f) => {
      const p = `f${run++}`;
      const n = f.nodes.length;
      // the graph over logical nodes 0..n-1: each depends on nodes before it (acyclic), and on stored tasks
      const deps: number[][] = f.nodes.map((node, i) => (i ? [...new Set(node.deps.map((d) => d % i))] : []));
      const ext: string[][] = f.nodes.map((node) => [...new Set(node.external.map((e) => stored[e % stored.length]))]);
      const ids = f.nodes.map((node, i) => (node.givenId ? `${p}-${i}` : undefined));
      /** How node i names node k: its id when it has one and i names by id, else its ref. */
      const name = (i: number, k: number) => (ids[k] && f.nodes[i].byId ? ids[k]! : { ref: `r${k}` });
      const lists: (string | { ref: string })[][] = deps.map((ds, i) => [...ds.map((k) => name(i, k)), ...ext[i]]);
      // the fault, put in at position pos of node x's dependsOn
      let x = f.x % n;
      let fault = f.fault;
      const put = (i: number, d: string | { ref: string }) => {
        const at = f.pos % (lists[i].length + 1);
        lists[i].splice(at, 0, d);
        return at;
      };
      let at = -1;
      if (fault === "cycle") {
        if (n < 2) fault = "self";
        else {
          // y depends on x, and x (from now on) reaches y through the nodes between them
          const [lo, hi] = x === f.y % n ? [0, n - 1] : [Math.min(x, f.y % n), Math.max(x, f.y % n)];
          if (!reaches(deps, hi, lo)) lists[hi].push(name(hi, lo)), deps[hi].push(lo);
          x = lo;
          at = put(lo, name(lo, hi));
        }
      }
      if (fault === "self") at = put(x, ids[x] ?? { ref: `r${x}` });
      if (fault === "missing") at = put(x, `${p}-missing`);
      seen.add(fault);
      // the call in a shuffled order: index[i] is logical node i's place
      const perm = shuffle(n, f.order);
      const index: number[] = [];
      perm.forEach((i, k) => (index[i] = k));
      const defs: TaskDef[] = perm.map((i) => ({
        topic: "flow",
        ref: `r${i}`,
        ...(ids[i] ? { taskId: ids[i] } : {}),
        ...(lists[i].length ? { dependsOn: lists[i] } : {}),
      }));

      const before = await fingerprint();
      const count = await taskq.countTasks();
      if (fault === "none") {
        const tasks = await taskq.createTasks(defs);
        expect(await taskq.countTasks()).toBe(count + n);
        // each task waits for what was named, in the order named
        const idOf = (
          d: string | { ref: string },
        ) => (typeof d === "string" ? d : tasks[index[+d.ref.slice(1)]].taskId);
        perm.forEach((i, k) => expect(tasks[k].dependsOn.map((d) => d.taskId)).toEqual(lists[i].map(idOf)));
        return;
      }
      const e = await rejection(taskq.createTasks(defs));
      expect(e).toBeInstanceOf(TaskError);
      expect([e.type, e.code, e.issues?.length]).toEqual(["bad-request", "invalid-task", 1]);
      // a fault within one definition names it by details.index (its field relative to it), as every
      // definition's own refusal in createTasks does; a fault between definitions names it in the path
      const named = `${typeof e.details?.index === "number" ? `${e.details.index}.` : ""}${e.issues[0].path}`;
      if (fault === "cycle") {
        // the named dependency closes a cycle: the node it names reaches back to the node naming it
        const m = /^(\d+)\.dependsOn\.(\d+)$/.exec(named);
        expect(m, named).not.toBeNull();
        const i = perm[+m![1]];
        const d = defs[+m![1]].dependsOn![+m![2]];
        const k = typeof d === "string" ? ids.indexOf(d) : +d.ref.slice(1);
        const all = lists.map((l) => l.flatMap((d) => (typeof d === "string" ? ids.indexOf(d) : +d.ref.slice(1))));
        expect(reaches(all, k, i), `${named}: ${e.message}`).toBe(true);
        expect(e.message).toMatch(/makes a cycle: (\S+) → .* → \1$/);
      } else {
        expect(named, e.message).toBe(`${index[x]}.dependsOn.${at}`);
        expect(e.message).toMatch(fault === "self" ? /is the task itself/ : new RegExp(`names task ${p}-missing`));
      }
      expect(await taskq.countTasks()).toBe(count);
      expect(await fingerprint()).toBe(before);
    }),
    { numRuns: 200 },
  );
  expect([...seen].sort()).toEqual(["cycle", "missing", "none", "self"]);
});

/** Whether node `from` reaches node `to` along `deps` (a node reaches itself). */
function reaches(deps: number[][], from: number, to: number): boolean {
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length) {
    const k = stack.pop()!;
    if (k === to) return true;
    if (k < 0 || seen.has(k)) continue;
    seen.add(k);
    stack.push(...deps[k]);
  }
  return false;
}

/** A permutation of 0..n-1 drawn from `keys` (a Fisher–Yates shuffle). */
function shuffle(n: number, keys: number[]): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = keys[i] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
