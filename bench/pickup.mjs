// `npm run bench:pickup` (also part of `npm run bench`): how long a task waits
// before its processor function starts when the worker was idle, by the path
// that wakes it. For each idle time, PICKUPS idle workers (or long polls) per
// path, each on a topic of its own, get one task each, 20 ms apart:
//   same process   worker and createTask in the bench process (in-process wake-up)
//   other process  workers in a child process, createTask here (the OS's file events, then PRAGMA data_version)
//   other, no events  the same with the child's fileEvents off (PRAGMA data_version polled every 100 ms)
//   snooze         a task snoozed for the idle time; from when it is due to its start (its next due time)
//   HTTP long poll POST /topics/:t/reserve { waitMs: 30000 } against a server process, the task
//                  created through the same server's POST /tasks; from that answer to the reserve answer
// plus the CPU an idle worker process uses over IDLE_CPU_MS on a file database.
// `--runtime bun|deno|node|all` (default node): the other processes (workers, idle-CPU worker, server) run
// there; `all` measures each in turn. `--write` puts the tables into BENCHMARKS.md as its section
// (PICKUP_HEADING); `npm run bench` measures and writes it too. `--quick`: one short round.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTaskQ, ok, snoozed, worker } from "../dist/mod.js";
import { sectionOf } from "./sections.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const clock = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export const PICKUP_HEADING = "## Pickup latency";

/**
 * The runtimes the measured processes (the other-process workers, the idle-CPU worker, the HTTP server) can
 * run in. The bench itself (creates, the same-process and snooze paths) runs in Node.
 */
export const PICKUP_RUNTIMES = ["node", "bun", "deno"];
const bin = (name) => join(here, "..", "node_modules", ".bin", name);
const runScript = (runtime, script) =>
  runtime === "deno"
    ? [bin("deno"), ["run", "-A", script]]
    : runtime === "bun"
    ? [bin("bun"), [script]]
    : [process.execPath, [script]];
const runtimeVersion = (runtime) =>
  runtime === "node"
    ? process.versions.node
    : execFileSync(runScript(runtime, "")[0], ["--version"]).toString().split("\n")[0].replace(/^\D*/, "");

/** A child process (in `runtime`) and its stdout lines. */
function spawnChild(runtime, script, args, env = {}) {
  const [cmd, argv] = runScript(runtime, join(here, script));
  const p = spawn(cmd, [...argv, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = [];
  const waiters = [];
  let buf = "";
  p.stdout.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) !== -1) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      waiters.forEach((w) => w());
    }
  });
  const exit = new Promise((r) => p.once("exit", r));
  return {
    p,
    lines,
    exit,
    /** Resolves with the first line matching `re`. */
    line: (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const l = lines.find((x) => re.test(x));
          if (l) resolve(l);
        };
        waiters.push(check);
        exit.then(() => reject(new Error(`${script} exited before printing ${re}`)));
        check();
      }),
  };
}

const percentile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

/**
 * One round: every path with `pickups` idle listeners, idle for `idleMs`, then one task each.
 * Returns latencies (ms) per path.
 */
async function round({ runtime, taskq, url, base, idleMs, pickups, tag }) {
  const topics = (path) => Array.from({ length: pickups }, (_, j) => `${path}-${tag}-${j}`);
  const out = { same: [], other: [], otherPoll: [], snooze: [], http: [] };

  // same process
  const startedSame = new Map();
  const same = topics("same").map((topic) =>
    worker({ taskq, topic, pfn: () => (startedSame.set(topic, clock()), ok()) })
  );
  // another process
  const kid = spawnChild(runtime, "pickup-child.mjs", ["workers", url, ...topics("other")]);
  await kid.line(/^ready$/);
  const pollKid = spawnChild(runtime, "pickup-child.mjs", ["workers", url, ...topics("otherPoll")], {
    SOKKA_FILE_EVENTS: "0",
  });
  await pollKid.line(/^ready$/);
  // snoozed tasks: each snoozes once for idleMs; its second start is measured against its due time
  const due = new Map();
  const snoozeDone = [];
  const snoozers = topics("snooze").map((topic) => {
    let resolve;
    snoozeDone.push(new Promise((r) => (resolve = r)));
    const w = worker({
      taskq,
      topic,
      pfn: (t) => {
        if (t.attempts === 1) return snoozed(idleMs);
        out.snooze.push(clock() - due.get(topic));
        resolve();
        return ok();
      },
    });
    w.addEventListener("snoozed", (e) => due.set(topic, e.detail.updatedAt + e.detail.snoozeTime));
    return w;
  });
  for (const topic of topics("snooze")) {
    await taskq.createTask({ topic });
    await sleep(20);
  }
  // HTTP long polls: each loops until it gets its task (a poll ends empty after 30 s and starts again)
  const gotHttp = new Map();
  const polls = topics("http").map(async (topic) => {
    for (;;) {
      const r = await fetch(`${base}/sokka/topics/${topic}/reserve`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ pid: `poll-${topic}`, waitMs: 30_000 }),
      });
      const at = clock();
      if (r.status === 200) {
        const t = await r.json();
        gotHttp.set(topic, at);
        await fetch(`${base}/sokka/tasks/${t.taskId}/complete`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ pid: t.pid, leaseId: t.leaseId }),
        }).then((x) => x.body?.cancel());
        return;
      }
      if (r.status !== 204) throw new Error(`reserve answered ${r.status}: ${await r.text()}`);
    }
  });

  await sleep(idleMs);

  const created = { same: new Map(), other: new Map(), otherPoll: new Map(), http: new Map() };
  for (let j = 0; j < pickups; j++) {
    const [s, o, op, h] = [topics("same")[j], topics("other")[j], topics("otherPoll")[j], topics("http")[j]];
    await taskq.createTask({ topic: s });
    created.same.set(s, clock());
    await sleep(5);
    await taskq.createTask({ topic: o });
    created.other.set(o, clock());
    await sleep(5);
    await taskq.createTask({ topic: op });
    created.otherPoll.set(op, clock());
    await sleep(5);
    const r = await fetch(`${base}/sokka/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: h }),
    });
    created.http.set(h, clock());
    await r.body?.cancel();
    if (r.status !== 201) throw new Error(`POST /tasks answered ${r.status}`);
    await sleep(10);
  }
  await Promise.all(polls);
  await Promise.all(snoozeDone);
  const deadline = Date.now() + 30_000;
  while (
    (startedSame.size < pickups ||
      [kid, pollKid].some((k) => k.lines.filter((l) => l.startsWith("start ")).length < pickups)) &&
    Date.now() < deadline
  ) await sleep(10);
  for (const [topic, at] of created.same) out.same.push(startedSame.get(topic) - at);
  for (const [k, path] of [[kid, "other"], [pollKid, "otherPoll"]]) {
    for (const l of k.lines.filter((x) => x.startsWith("start "))) {
      const [, topic, at] = l.split(" ");
      out[path].push(Number(at) - created[path].get(topic));
    }
  }
  for (const [topic, at] of created.http) out.http.push(gotHttp.get(topic) - at);
  for (const k of [kid, pollKid]) {
    k.p.kill("SIGTERM");
    await k.exit;
  }
  await Promise.all([...same, ...snoozers].map((w) => w.stop()));
  for (const [path, xs] of Object.entries(out)) {
    if (xs.length !== pickups || xs.some((x) => !Number.isFinite(x))) {
      throw new Error(`${path}: ${xs.length} of ${pickups} pickups measured`);
    }
  }
  return out;
}

/**
 * Runs every round (and the idle-CPU child alongside them) and returns the figures. `repeat`: rounds per
 * idle time, their pickups pooled (the 1-s case gets 4 × 50).
 */
export async function pickupBench(
  { runtime = "node", idles = [1_000, 10_000, 60_000], pickups = 50, idleCpuMs = 60_000, repeat = { 1000: 4 } } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "sokka-bench-pickup-"));
  const url = `file:${join(dir, "pickup.db")}`;
  const taskq = createTaskQ({ url, driver: process.env.SOKKA_DRIVER || undefined });
  await taskq.createTask({ topic: "pickup-warm-up" });
  const port = await freePort();
  const server = spawnChild(runtime, "http-server.mjs", [], { PORT: String(port), SOKKA_URL: url });
  await server.line(/listening/);
  const base = `http://127.0.0.1:${port}`;
  try {
    const cpuKid = spawnChild(runtime, "pickup-child.mjs", [
      "idle-cpu",
      `file:${join(dir, "idle.db")}`,
      String(idleCpuMs),
    ]);
    const rounds = [];
    for (const idleMs of idles) {
      const pooled = { idleMs };
      for (let i = 0; i < (repeat[idleMs] ?? 1); i++) {
        const r = await round({ runtime, taskq, url, base, idleMs, pickups, tag: `${idleMs}-${i}` });
        for (const [path, xs] of Object.entries(r)) pooled[path] = [...(pooled[path] ?? []), ...xs];
      }
      rounds.push(pooled);
    }
    const cpu = JSON.parse(await cpuKid.line(/^\{/));
    return { runtime: `${runtime} ${runtimeVersion(runtime)}`, rounds, cpu };
  } finally {
    server.p.kill("SIGTERM");
    await server.exit;
    await taskq.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const PATHS = [
  ["same", "same process (in-process wake-up)"],
  ["other", "another process on the same file (the OS's file events, then PRAGMA data_version)"],
  ["otherPoll", "another process on the same file, file events off (PRAGMA data_version read every 100 ms)"],
  ["snooze", "a snoozed task, from its due time (sleep until the next ready_at)"],
  ["http", "HTTP long poll (`waitMs`), from POST /tasks answering"],
];

export function pickupTable(r) {
  const f = (x) => x.toFixed(1);
  const head = `| wake-up path (other processes: ${r.runtime}) | ${
    r.rounds.map((x) => `idle ${x.idleMs / 1000} s, ${x.same.length} pickups: p50 / p99 / max`).join(" | ")
  } |`;
  const rows = PATHS.map(([key, label]) =>
    `| ${label} | ${
      r.rounds.map((x) =>
        `${f(percentile(x[key], 0.5))} / ${f(percentile(x[key], 0.99))} / ${f(Math.max(...x[key]))} ms`
      ).join(" | ")
    } |`
  );
  const cpuShare = (100 * r.cpu.cpuMs) / r.cpu.ms;
  return [
    head,
    `| --- | ${r.rounds.map(() => "---").join(" | ")} |`,
    ...rows,
    "",
    `Idle worker CPU (one default worker on a file database, process.cpuUsage over ${
      Math.round(r.cpu.ms / 1000)
    } s, whole process): ${r.cpu.cpuMs.toFixed(0)} ms = ${cpuShare.toFixed(2)} % of one core.`,
  ].join("\n");
}

/** The section BENCHMARKS.md carries: what was measured, and one table per runtime in `results`. */
export function pickupSection(results) {
  return `${PICKUP_HEADING}

How long a task waits before its processor function starts when the worker was idle, by the path that
wakes it (bench/pickup.mjs; \`npm run bench:pickup -- --runtime all --write\` alone, run on ${
    new Date().toISOString().slice(0, 10)
  }). Per idle time and path, 50 idle workers
(or long polls), each on a topic of its own, get one task each, about 25 ms apart, all on one \`file:\`
database; the 1-s case pools 4 rounds (200 pickups). "Same process" creates in the worker's process;
"another process" runs the workers in a child process, in the runtime the table names (the bench
itself runs in Node); "snoozed" measures from the task's due time (\`updatedAt + snoozeTime\`, database
clock) to its start; "HTTP long poll" measures from \`POST /tasks\` answering to the waiting
\`POST /topics/:t/reserve\` (\`waitMs: 30000\`) answering, both through one server process in that runtime.
p99 is by nearest rank. Idle CPU: one more process of that runtime with one default worker on a database
of its own in the same folder, the whole process's user + system CPU over 60 s.

${results.map(pickupTable).join("\n\n")}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes("--quick");
  const at = process.argv.indexOf("--runtime");
  const named = at > 0 ? process.argv[at + 1] : "node";
  const runtimes = named === "all" ? PICKUP_RUNTIMES : [named];
  if (!runtimes.every((r) => PICKUP_RUNTIMES.includes(r))) throw new Error(`--runtime: one of ${PICKUP_RUNTIMES}, all`);
  const results = [];
  for (const runtime of runtimes) {
    const r = await pickupBench(
      quick ? { runtime, idles: [1_000], pickups: 20, idleCpuMs: 5_000, repeat: {} } : { runtime },
    );
    console.log(pickupTable(r) + "\n");
    if (process.argv.includes("--json")) console.log(JSON.stringify(r));
    results.push(r);
  }
  if (process.argv.includes("--write")) {
    const file = new URL("../BENCHMARKS.md", import.meta.url);
    const md = readFileSync(file, "utf8");
    const old = sectionOf(md, PICKUP_HEADING);
    if (!old) throw new Error(`BENCHMARKS.md has no section ${PICKUP_HEADING}`);
    // the generated part's closing line, when the section is the last of it, stays
    const tail = old.match(/\n(Reproduce: [^\n]*\n)$/)?.[1];
    writeFileSync(file, md.replace(old, pickupSection(results) + (tail ? `\n${tail}` : "")));
    console.error("wrote the pickup section of BENCHMARKS.md");
  }
  process.exit(0);
}
