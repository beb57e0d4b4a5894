// `npm run bench:peers`: sokka beside plainjob (SQLite), BullMQ (Redis), graphile-worker and pg-boss
// (PostgreSQL), in one run. See README.md beside this file.
//   node bench/peers/run.mjs [--rounds 3] [--tasks 10000] [--only sokka,bullmq,process,pickup,…]
//                            [--pickups 30] [--pg-sync off|on] [--write]
// --write: the tables also become BENCHMARKS.md's section "Beside other queues".
// Every measurement is a fresh process (bench/peers/<queue>.mjs) on a fresh database: a new SQLite
// file, a new redis-server, a new PostgreSQL database. Rounds are interleaved (every measurement once
// per round, the queues' order rotated each round) so that drift of the machine hits all alike; the
// table gives medians with min–max and the ratios to sokka.
// The peers come from bench/peers/package.json (exact versions, lockfile), installed here on first use
// (npm ci) and again whenever the lockfile changes; sokka's own package.json never depends on them.
// redis-server and PostgreSQL (initdb, postgres) come from the system: private instances on loopback,
// on free ports, in a temp folder, stopped by pid at the end, on error and on Ctrl-C.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { QUEUES_HEADING, queuesSection } from "./section.mjs";
import { parseArgs } from "node:util";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../..");
const QUEUES = ["sokka", "plainjob", "bullmq", "graphile-worker", "pg-boss"];
const TESTS = ["process", "enqueue", "bulk", "pickup"];
const SERVER = {
  bullmq: "redis",
  "graphile-worker": "postgres",
  "pg-boss": "postgres",
};
const LABEL = {
  sokka: "sokka",
  plainjob: "plainjob",
  bullmq: "BullMQ",
  "graphile-worker": "graphile-worker",
  "pg-boss": "pg-boss",
};

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    tasks: { type: "string", default: "10000" },
    only: { type: "string" },
    pickups: { type: "string", default: "30" },
    "pg-sync": { type: "string", default: "off" },
    write: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(0, 4)
      .join("\n"),
  );
  process.exit(0);
}
const rounds = Number(args.rounds),
  N = Number(args.tasks),
  pickups = Number(args.pickups);
const only = args.only?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
for (const o of only) {
  if (!QUEUES.includes(o) && !TESTS.includes(o)) {
    fail(
      `--only: unknown queue or test "${o}" (queues: ${QUEUES}; tests: ${TESTS})`,
    );
  }
}
if (!["on", "off"].includes(args["pg-sync"])) fail("--pg-sync is on or off");
// sokka is always measured: every ratio is to it.
const queues = QUEUES.filter((q) => q === "sokka" || !only.some((o) => QUEUES.includes(o)) || only.includes(q));
const tests = TESTS.filter((t) => !only.some((o) => TESTS.includes(o)) || only.includes(t));
if (!(rounds >= 1 && N >= 1 && pickups >= 1)) {
  fail("--rounds, --tasks and --pickups are positive numbers");
}

function fail(message) {
  console.error(`bench:peers: ${message}`);
  process.exit(2);
}
const log = (s) => process.stderr.write(s + "\n");
const fmt = (x, d = 0) =>
  x.toLocaleString("en", {
    maximumFractionDigits: d,
    minimumFractionDigits: d,
  });

// ---- everything started here is stopped here, also on error and Ctrl-C ----
const work = mkdtempSync(join(tmpdir(), "sokka-bench-peers-"));
chmodSync(work, 0o755); // the postgres user must reach its data folder inside
const children = new Set(); // { p, stop } of servers and measurements
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) c.kill();
  rmSync(work, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    log(`\nbench:peers: ${sig}, stopping what it started`);
    cleanup();
    process.exit(130);
  });
}
process.on("uncaughtException", (e) => {
  console.error(e);
  process.exit(1);
});
process.on("unhandledRejection", (e) => {
  console.error(e);
  process.exit(1);
});

/** Spawns a tracked process; kill() sends `signal` to its pid (and SIGKILL if it is still there 5 s later). */
function track(cmd, argv, opts = {}, signal = "SIGTERM") {
  const p = spawn(cmd, argv, opts);
  let exited = false;
  const exit = new Promise((r) => p.once("exit", (code, sig) => (exited = true, r(code ?? sig))));
  const entry = {
    p,
    exit,
    kill() {
      if (exited) return;
      try {
        process.kill(p.pid, signal);
      } catch { /* gone */ }
    },
    async stop() {
      entry.kill();
      const t = setTimeout(() => !exited && p.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(t);
      children.delete(entry);
    },
  };
  children.add(entry);
  exit.then(() => children.delete(entry));
  return entry;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(
      0,
      "127.0.0.1",
      () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      },
    );
  });

async function waitFor(what, fn, ms = 30_000) {
  const until = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > until) {
      throw new Error(`${what} did not come up within ${ms / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function which(bin, extra = []) {
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...extra]) {
    if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  }
  return null;
}

// ---- the peers' packages ----
function installPeers() {
  const want = createHash("sha256")
    .update(readFileSync(join(here, "package.json")))
    .update(readFileSync(join(here, "package-lock.json")))
    .digest("hex");
  const mark = join(here, "node_modules/.lock-sha256");
  if (existsSync(mark) && readFileSync(mark, "utf8") === want) return;
  log(
    "bench:peers: installing the peers (npm ci in bench/peers: 2 to 5 minutes the first time, better-sqlite3 compiles)…",
  );
  const logFile = join(work, "npm-ci.log");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: here,
    encoding: "utf8",
  });
  writeFileSync(logFile, (r.stdout ?? "") + (r.stderr ?? ""));
  if (r.status !== 0) {
    log(
      ((r.stdout ?? "") + (r.stderr ?? "")).split("\n").slice(-30).join("\n"),
    );
    fail("npm ci in bench/peers failed");
  }
  writeFileSync(mark, want);
}

// ---- Redis: a fresh private server per measurement ----
const redisServer = () => which("redis-server", ["/usr/sbin", "/usr/local/sbin"]);
async function startRedis(tag) {
  const dir = join(work, `redis-${tag}`);
  mkdirSync(dir);
  const port = await freePort();
  writeFileSync(
    join(dir, "redis.conf"),
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      "daemonize no",
      "appendonly yes",
      "appendfsync everysec",
      'save ""', // the append-only file is the persistence; no RDB snapshots besides it
      "maxmemory-policy noeviction", // what BullMQ requires
      `logfile ${join(dir, "redis.log")}`,
    ].join("\n") + "\n",
  );
  const server = track(redisServer(), [join(dir, "redis.conf")], {
    stdio: "ignore",
    cwd: dir,
  });
  await waitFor("redis-server", () => redisPing(port));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
const redisPing = (port) =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.write("PING\r\n"));
    s.once(
      "data",
      (d) => (s.destroy(), resolve(String(d).startsWith("+PONG"))),
    );
    s.once("error", () => resolve(false));
  });

// ---- PostgreSQL: one private server, a fresh database per measurement ----
function postgresBin(name) {
  const dirs = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  return which(name, dirs);
}
let pg; // { url(db), stop(), version }
async function startPostgres() {
  const initdb = postgresBin("initdb"), postgres = postgresBin("postgres");
  if (!initdb || !postgres) {
    fail("PostgreSQL is not installed (apt-get install -y postgresql)");
  }
  const dir = join(work, "postgres");
  mkdirSync(dir);
  // postgres refuses to run as root: as root, run it as the user "postgres" (or nobody) owning its folder.
  let uid, gid;
  if (process.getuid?.() === 0) {
    for (const user of ["postgres", "nobody"]) {
      const r = spawnSync("id", ["-u", user], { encoding: "utf8" });
      if (r.status === 0) {
        uid = Number(r.stdout);
        gid = Number(
          spawnSync("id", ["-g", user], { encoding: "utf8" }).stdout,
        );
        break;
      }
    }
    chownSync(dir, uid, gid);
  }
  const as = uid === undefined ? {} : { uid, gid };
  const data = join(dir, "data");
  const init = spawnSync(initdb, [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ], {
    ...as,
    cwd: dir,
    encoding: "utf8",
  });
  if (init.status !== 0) {
    throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);
  }
  const port = await freePort();
  const server = track(
    postgres,
    [
      "-D",
      data,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${dir}`,
      "-c",
      `synchronous_commit=${args["pg-sync"]}`,
    ],
    { ...as, cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
    "SIGINT", // fast shutdown
  );
  let stderr = "";
  server.p.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const base = `postgresql://postgres@127.0.0.1:${port}`;
  const { default: Pg } = await import(
    createRequire(join(here, "package.json")).resolve("pg")
  );
  const admin = new Pg.Client({ connectionString: `${base}/postgres` });
  await waitFor("postgres", async () => {
    if (server.p.exitCode !== null) {
      throw new Error(`postgres exited:\n${stderr}`);
    }
    const c = new Pg.Client({ connectionString: `${base}/postgres` });
    await c.connect();
    await c.end();
    return true;
  }).catch((e) => {
    throw new Error(`${e.message}\n${stderr}`);
  });
  await admin.connect();
  const version = (await admin.query("SHOW server_version")).rows[0].server_version;
  let n = 0;
  return {
    version,
    async freshDb() {
      const name = `bench_${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return {
        url: `${base}/${name}`,
        drop: () => admin.query(`DROP DATABASE ${name} WITH (FORCE)`),
      };
    },
    async stop() {
      await admin.end();
      await server.stop();
    },
  };
}

// ---- one measurement ----
async function measure(queue, test, round) {
  let url, done = async () => {};
  if (SERVER[queue] === "redis") {
    const r = await startRedis(`${queue}-${test}-${round}`);
    url = r.url;
    done = r.stop;
  } else if (SERVER[queue] === "postgres") {
    const db = await pg.freshDb();
    url = db.url;
    done = db.drop;
  } else {
    url = join(work, `${queue}-${test}-${round}.db`);
  }
  try {
    const argv = [
      join(here, `${queue}.mjs`),
      "--test",
      test,
      "--n",
      String(N),
      "--url",
      url,
      "--pickups",
      String(pickups),
    ];
    const m = track(process.execPath, argv, {
      cwd: here,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "", err = "";
    m.p.stdout.on("data", (d) => (out += d));
    m.p.stderr.on("data", (d) => (err = (err + d).slice(-3000)));
    const timer = setTimeout(() => m.stop(), 330_000);
    const code = await m.exit;
    clearTimeout(timer);
    const line = out.split("\n").find((l) => l.startsWith("RESULT "));
    if (!line) {
      log(`${queue} ${test} round ${round}: no result (exit ${code})\n${err}`);
      return null;
    }
    return JSON.parse(line.slice(7));
  } finally {
    await done();
  }
}

// ---- versions ----
function version(pkg, dir = here) {
  try {
    return JSON.parse(
      readFileSync(join(dir, "node_modules", pkg, "package.json"), "utf8"),
    ).version;
  } catch {
    return "?";
  }
}
function sokkaVersion() {
  const v = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  const git = (a) => {
    try {
      return execFileSync("git", a, {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch {
      return "";
    }
  };
  const commit = git(["rev-parse", "--short", "HEAD"]);
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) ? ", with uncommitted changes" : "";
  return commit ? `${v} at ${commit}${dirty}` : v;
}

// ---- the run ----
if (!existsSync(join(root, "dist/mod.js"))) {
  fail(
    "no dist/: run `npm run bench:peers` (it builds first) or `npm run build`",
  );
}
const peers = queues.filter((q) => q !== "sokka");
if (peers.length) installPeers();
const needRedis = queues.some((q) => SERVER[q] === "redis");
const needPg = queues.some((q) => SERVER[q] === "postgres");
let redisVersion;
if (needRedis) {
  if (!redisServer()) {
    fail("redis-server is not installed (apt-get install -y redis-server)");
  }
  redisVersion = /v=(\S+)/.exec(
    execFileSync(redisServer(), ["--version"], { encoding: "utf8" }),
  )?.[1];
}
if (needPg) pg = await startPostgres();

const started = Date.now();
log(
  `bench:peers: ${queues.join(", ")}; ${tests.join(", ")}; ${fmt(N)} tasks, ${rounds} round(s); work folder ${work}`,
);
const results = {}; // `${test}/${queue}` -> [rate] or [ms…]
for (let r = 1; r <= rounds; r++) {
  for (const t of tests) {
    const order = queues.map((_, i) => queues[(i + r - 1) % queues.length]);
    for (const q of order) {
      const res = await measure(q, t, r);
      const key = `${t}/${q}`;
      results[key] ??= [];
      if (t === "pickup") {
        if (res) results[key].push(...res.ms);
        const p = res ? pct(res.ms, 0.5) : NaN;
        log(
          `round ${r} ${t.padEnd(8)} ${q.padEnd(16)} ${res ? `p50 ${fmt(p, 1)} ms` : "failed"}`,
        );
      } else {
        if (res) results[key].push(res.rate);
        log(
          `round ${r} ${t.padEnd(8)} ${q.padEnd(16)} ${res ? `${fmt(res.rate)}/s` : "failed"}`,
        );
      }
    }
  }
}
if (pg) await pg.stop();
const minutes = (Date.now() - started) / 60000;

function pct(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const WHAT = {
  process: `end to end: ${
    fmt(N)
  } tasks created first, then one worker at concurrency 32 runs a no-op on each (tasks/s)`,
  enqueue: `create ${fmt(N)} tasks one at a time, each awaited (tasks/s)`,
  bulk: `create ${fmt(N)} tasks in one bulk call (tasks/s)`,
  pickup: `pickup: an idle worker in another process; create → handler start, p50 / p99 (ms)`,
};
const cell = (t, q) => {
  const xs = results[`${t}/${q}`] ?? [];
  if (!xs.length) return "failed";
  if (t === "pickup") {
    return `${fmt(pct(xs, 0.5), 1)} / ${fmt(pct(xs, 0.99), 1)}`;
  }
  return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
};
const central = (t, q) => {
  const xs = results[`${t}/${q}`] ?? [];
  return xs.length ? (t === "pickup" ? pct(xs, 0.5) : median(xs)) : NaN;
};
const ratio = (t, q) => {
  const s = central(t, "sokka"), p = central(t, q);
  // a ratio under 0.1 (a pickup far faster than a poller's) keeps a third digit: 0.002×, not 0.00×
  return Number.isFinite(s / p) ? `${fmt(s / p, s / p < 0.1 ? 3 : 2)}×` : "–";
};

const sqliteOf = (dir) => {
  const r = spawnSync(process.execPath, [
    "-e",
    "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)",
  ], { cwd: dir, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "?";
};
const versions = [
  `sokka ${sokkaVersion()} (dist/, its default file: library under Node: better-sqlite3 ${
    version("better-sqlite3", root)
  }, SQLite ${sqliteOf(root)})`,
];
if (queues.includes("plainjob")) {
  versions.push(
    `plainjob ${version("plainjob")} on better-sqlite3 ${version("better-sqlite3")} (SQLite ${sqliteOf(here)})`,
  );
}
if (queues.includes("bullmq")) {
  versions.push(
    `BullMQ ${version("bullmq")} with ioredis ${
      version("ioredis")
    } on Redis ${redisVersion} (appendonly yes, appendfsync everysec, no RDB snapshots)`,
  );
}
if (queues.includes("graphile-worker")) {
  versions.push(`graphile-worker ${version("graphile-worker")}`);
}
if (queues.includes("pg-boss")) versions.push(`pg-boss ${version("pg-boss")}`);
if (needPg) {
  versions.push(
    `PostgreSQL ${pg.version} (pg ${version("pg")}; defaults but synchronous_commit=${args["pg-sync"]})`,
  );
}

const lines = [];
lines.push(
  `\`npm run bench:peers -- --rounds ${rounds} --tasks ${N}${args.only ? ` --only ${args.only}` : ""}\`, ${
    new Date().toISOString().slice(0, 10)
  }, ` +
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model?.trim() ?? "?"}; ${fmt(minutes, 1)} min. ` +
    `Each figure a fresh process on a fresh database, rounds interleaved; medians with min–max over ${rounds} round(s)` +
    (tests.includes("pickup")
      ? `; pickup percentiles over ${pickups} pickups per round, ${pickups * rounds} in all`
      : "") +
    ".",
);
lines.push("");
for (const v of versions) lines.push(`- ${v}`);
lines.push("");
lines.push(`| test | ${queues.map((q) => LABEL[q]).join(" | ")} |`);
lines.push(`| --- | ${queues.map(() => "---").join(" | ")} |`);
for (const t of tests) {
  lines.push(`| ${WHAT[t]} | ${queues.map((q) => cell(t, q)).join(" | ")} |`);
}
if (peers.length) {
  lines.push("");
  lines.push(
    `| sokka ÷ peer (throughput: above 1× sokka is faster; pickup p50: below 1× sokka is faster) | ${
      peers.map((q) => LABEL[q]).join(" | ")
    } |`,
  );
  lines.push(`| --- | ${peers.map(() => "---").join(" | ")} |`);
  for (const t of tests) {
    lines.push(`| ${t} | ${peers.map((q) => ratio(t, q)).join(" | ")} |`);
  }
}
console.log(lines.join("\n"));
const failed = Object.entries(results).filter(([, xs]) => !xs.length).map((
  [k],
) => k);
if (failed.length) {
  log(`bench:peers: no result for ${failed.join(", ")}`);
  process.exitCode = 1;
}
// --write: the tables become BENCHMARKS.md's other-queues section (replaced, or added at the end)
if (args.write && !failed.length) {
  const file = new URL("../../BENCHMARKS.md", import.meta.url);
  const md = readFileSync(file, "utf8");
  const section = `${QUEUES_HEADING}\n\n${lines.join("\n")}\n`;
  const old = queuesSection(md);
  writeFileSync(file, old ? md.replace(old, section) : md.trimEnd() + "\n\n" + section);
  log("wrote the other-queues section of BENCHMARKS.md");
}
