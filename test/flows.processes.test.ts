/**
 * Flows run by worker processes on one `file:` database: a 1,000-node
 * random DAG (seeded) run by 3 worker processes, every task after all of
 * its dependencies ended (from the start and end times each run recorded),
 * each once, none left behind; then one whose failing nodes propagate as
 * each dependant's policy says, checked node by node against what the graph
 * predicts. The processes open the file through each SQLite library this
 * runtime has, in turn (fileDrivers()).
 */
import { afterEach, expect, it } from "vitest";
import { createTasks, scrollTasks, type Task } from "../mod.ts";
import { fileDrivers, rawDb, storeOn, tempDbUrl, uniq } from "./helpers.ts";
import { type Child, spawnFixture } from "./processes.ts";
import { expectCleanExit } from "./clean-exit.ts";
import { ancestors, type DagNode, depth, expectedEndings, flowDefs, randomDag } from "./random-dag.ts";

const NODES = 1000;
const WORKERS = 3;

let db: ReturnType<typeof tempDbUrl>;
let children: Child[] = [];
afterEach(() => {
  children.forEach((c) => c.kill("SIGKILL"));
  children = [];
  db?.cleanup();
});

/** A run recorded by a worker process: its processor's start and end (Date.now(), one clock for all). */
interface Run {
  task_id: string;
  pid: string;
  start: number;
  end: number;
}

/**
 * Creates the graph in ONE createTasks call while 3 worker processes (× 4)
 * wait for its topic, waits (deadline) until every task has ended, stops
 * them, and answers each node's task and run (or null: it never ran).
 */
async function runGraph(nodes: DagNode[], seed: number): Promise<{ tasks: Task[]; runs: (Run | null)[] }> {
  db = tempDbUrl();
  const taskq = storeOn(db.url);
  const raw = await rawDb(db.url);
  try {
    await raw.execute("CREATE TABLE runs (task_id TEXT NOT NULL, pid TEXT NOT NULL, start INTEGER, end INTEGER)");
    const topic = uniq("dag");
    const drivers = fileDrivers();
    children = Array.from(
      { length: WORKERS },
      (_, i) =>
        spawnFixture("flow-proc.mjs", ["worker", db.url, topic, `w${i}`, "4"], { driver: drivers[i % drivers.length] }),
    );
    await Promise.all(children.map((c) => c.printed("ready")));
    const { defs, at } = flowDefs(nodes, topic, seed);
    const created = await createTasks(taskq, defs);
    const ended = async () =>
      Number(
        (await raw.execute({
          sql:
            "SELECT count(*) AS n FROM sokka_tasks WHERE topic = ? AND status IN ('terminated', 'failed', 'cancelled')",
          args: [topic],
        })).rows[0].n,
      );
    // a light probe on a plain connection, every 100 ms (see worker.processes.test.ts)
    const deadline = Date.now() + 50_000;
    while ((await ended()) < nodes.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    children.forEach((c) => c.kill("SIGTERM"));
    for (const [i, e] of (await Promise.all(children.map((c) => c.exit))).entries()) {
      expectCleanExit(e, `w${i} (${drivers[i % drivers.length]})`);
    }
    children = [];

    const byId = new Map<string, Task>();
    for await (const t of scrollTasks(taskq, { topic }, { limit: 1000 })) byId.set(t.taskId, t);
    expect(byId.size).toBe(nodes.length);
    const rows = (await raw.execute("SELECT task_id, pid, start, end FROM runs")).rows as unknown as Run[];
    const runsOf = new Map<string, Run[]>();
    for (const r of rows) runsOf.set(r.task_id, [...(runsOf.get(r.task_id) ?? []), r]);
    // each ran at most once
    for (const [id, rs] of runsOf) expect(rs.length, id).toBe(1);
    // every process took part
    expect(new Set(rows.map((r) => r.pid)).size).toBe(WORKERS);
    const tasks = nodes.map((_, i) => byId.get(created[at[i]].taskId)!);
    return { tasks, runs: tasks.map((t) => runsOf.get(t.taskId)?.[0] ?? null) };
  } finally {
    raw.close();
    await taskq.close();
  }
}

/** Each node that ran started no earlier than every dependency that ran had finished. */
function expectInOrder(nodes: DagNode[], runs: (Run | null)[]) {
  let edges = 0;
  nodes.forEach((node, i) => {
    if (!runs[i]) return;
    for (const d of node.deps) {
      if (!runs[d]) continue;
      edges++;
      if (runs[i]!.start < runs[d]!.end) {
        expect.unreachable(
          `node ${i} started at ${runs[i]!.start}, before its dependency ${d} ended (${runs[d]!.end})`,
        );
      }
    }
  });
  return edges;
}

it("a 1,000-node random DAG run by 3 worker processes: each task once, after all its dependencies ended; none stuck", async () => {
  const seed = 30;
  const nodes = randomDag(NODES, seed);
  expect(depth(nodes)).toBeGreaterThan(20); // chains deep enough that order matters
  const { tasks, runs } = await runGraph(nodes, seed);
  for (const [i, t] of tasks.entries()) {
    expect(t, `node ${i}`).toMatchObject({ status: "terminated", attempts: 1, failures: 0 });
    expect(runs[i], `node ${i}`).not.toBeNull();
    expect(t.result).toEqual({ start: runs[i]!.start, end: runs[i]!.end });
    // what it waited for, as the task shows it
    expect(t.dependsOn.map((d) => d.taskId)).toEqual(nodes[i].deps.map((d) => tasks[d].taskId));
  }
  expect(expectInOrder(nodes, runs)).toBeGreaterThan(1000);
});

it("a random DAG with failing nodes and mixed policies: every node ends as the propagation predicts, through every level", async () => {
  const seed = 2024;
  const nodes = randomDag(NODES, seed, { failRate: 0.04, policies: ["fail", "fail", "run", "run", "cancel"] });
  const expected = expectedEndings(nodes);
  // the graph exercises each case: failures, cancellations, "run" dependants of a failed task, and endings
  // carried past a level (a node ended whose own dependencies did not fail by themselves)
  const count = (s: string) => expected.filter((e) => e.status === s).length;
  expect([count("terminated"), count("failed"), count("cancelled")].every((n) => n > 10)).toBe(true);
  const ranAfterBad = nodes.filter((n, i) =>
    expected[i].ran && n.deps.some((d) => expected[d].status !== "terminated")
  );
  expect(ranAfterBad.length).toBeGreaterThan(10);
  const deep = nodes.filter((n, i) => !expected[i].ran && n.deps.every((d) => !expected[d].ran || !nodes[d].fail));
  expect(deep.length).toBeGreaterThan(10);

  const { tasks, runs } = await runGraph(nodes, seed);
  for (const [i, t] of tasks.entries()) {
    const want = expected[i];
    expect({ node: i, status: t.status, ran: runs[i] !== null, attempts: t.attempts }).toEqual({
      node: i,
      status: want.status,
      ran: want.ran,
      attempts: want.ran ? 1 : 0,
    });
    if (want.ran) continue;
    // ended by propagation: the error names a task above it that ended failed or cancelled
    const m = /^dependency (\S+) ended (failed|cancelled)$/.exec(t.error ?? "");
    expect(m, `node ${i}: ${t.error}`).not.toBeNull();
    const culprit = tasks.findIndex((x) => x.taskId === m![1]);
    expect(ancestors(nodes, i).has(culprit), `node ${i}: ${t.error}`).toBe(true);
    expect(tasks[culprit].status).toBe(m![2]);
  }
  expectInOrder(nodes, runs);
});
