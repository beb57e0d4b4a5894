// What one create costs in SQLite, by table layout and page size (docs/performance.md, "What a create
// costs"): the same single-row INSERT, 10,000 one by one in autocommit on better-sqlite3 (WAL,
// synchronous = NORMAL, wal_autocheckpoint 8,000 as a store sets them), on a fresh file each time,
// µs per insert, medians of the rounds (interleaved).
//
//   npm run build && node bench/create-cost.mjs [--rounds 5] [--n 10000]
//        then the whole create one by one: sokka's createTask, its statement alone on a bare connection,
//        and plainjob's add (when `npm run bench:peers` has installed it)
//   node bench/create-cost.mjs --instructions      instructions inside sqlite3_step per create (valgrind's
//        callgrind), the store's INSERT_TASK against the SELECT-from-a-one-row-clock form it replaced, and
//        plainjob's insert on its own table
//        (Debian: apt-get install valgrind)
//   strace -f -c node bench/create-cost.mjs --form values|plainjob      the system calls of 2,000 inserts of
//        one form alone (the form each --instructions child runs)
//   node bench/create-cost.mjs --wal      INSERT_TASK one by one with a checkpoint every 8,000 WAL pages (the
//        store's) and every 1,000 (SQLite's default, plainjob's), on a fresh database and once the WAL has
//        been written through once (a database in use)
//   node bench/create-cost.mjs --bulk     one createTasks(10,000) in a fresh process each, as the peer harness
//        times it (cold code), beside its statements alone, the least JavaScript a bulk create that returns
//        its tasks could run (no SQL), and plainjob's addMany (when `npm run bench:peers` has installed it)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { createTaskQ } from "../dist/mod.js";
import { newId } from "../dist/src/ids.js";
import { newTask } from "../dist/src/libsql/task-rows.js";
import { CREATED_AT, INSERT_TASK, INSERT_TASKS } from "../dist/src/libsql/statements/insert.js";
import { positional } from "../dist/src/libsql/sqlite-params.js";

const { values: opt } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    n: { type: "string", default: "10000" },
    instructions: { type: "boolean", default: false },
    wal: { type: "boolean", default: false },
    bulk: { type: "boolean", default: false },
    form: { type: "string" }, // internal: the child under valgrind
    child: { type: "string" }, // internal: one cold bulk run (--bulk)
  },
});
const N = Number(opt.n);
const dir = mkdtempSync(join(tmpdir(), "sokka-create-cost-"));
const fresh = (name) => {
  const path = join(dir, `${name}.db`);
  for (const s of ["", "-wal", "-shm"]) rmSync(path + s, { force: true });
  return path;
};
const open = (path, pageSize, checkpointPages = 8000) => {
  const db = new Database(path);
  if (pageSize) db.pragma(`page_size = ${pageSize}`);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`wal_autocheckpoint = ${checkpointPages}`);
  return db;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** plainjob (the peer benchmark's, in bench/peers) if installed: `npm run bench:peers` installs it. */
const loadPlainjob = async () => {
  const plainjob = await import("./peers/node_modules/plainjob/dist/plainjob.js").catch(() => null);
  const PeerDatabase = plainjob && (await import("./peers/node_modules/better-sqlite3/lib/index.js")).default;
  return plainjob && { ...plainjob, PeerDatabase };
};

if (opt.child) {
  // --bulk's child: one bulk create of N tasks of { topic, data: { i } } in this fresh process, as the peer
  // harness runs it (its code cold); prints µs per task
  const defs = Array.from({ length: N }, (_, i) => ({ topic: "bench", data: { i } }));
  let t;
  if (opt.child === "sokka" || opt.child === "statement") {
    const path = fresh("bulk");
    const store = createTaskQ({ url: `file:${path}` });
    await store.createTask({ topic: "warm-up" });
    if (opt.child === "sokka") {
      const t0 = performance.now();
      await store.createTasks(defs);
      t = performance.now() - t0;
      await store.close();
    } else {
      // the store's statements for this call (a bare insert of each 1,000 rows, then its time), built untimed
      await store.close();
      const db = open(path);
      const insert = positional(INSERT_TASKS.allOrNothing.bare);
      const s = db.prepare(insert.sql);
      const at = db.prepare(positional(CREATED_AT).sql);
      const chunks = [];
      for (let i = 0; i < N; i += 1000) {
        chunks.push(JSON.stringify(defs.slice(i, i + 1000).map((d) => [newId(), JSON.stringify(d.data)])));
      }
      const t0 = performance.now();
      db.transaction(() => {
        for (const json of chunks) {
          const args = [json, "bench"];
          s.run(insert.order ? insert.order.map((k) => args[k]) : args);
          at.all([JSON.parse(json)[0][0]]);
        }
      })();
      t = performance.now() - t0;
      db.close();
    }
  } else if (opt.child === "floor") {
    // the least a bulk create that validates and returns its tasks could do in JavaScript, without SQL: check
    // each definition's fields and data, make its id and data JSON, one JSON argument, and a Task per task
    const t0 = performance.now();
    const ids = new Array(N);
    const dataJson = new Array(N);
    for (let i = 0; i < N; i++) {
      const d = defs[i];
      for (const k in d) if (k !== "topic" && k !== "data") throw new Error(k);
      for (const k in d.data) if (typeof d.data[k] === "number" && !Number.isFinite(d.data[k])) throw new Error(k);
      ids[i] = newId();
      dataJson[i] = JSON.stringify(d.data);
    }
    // the statement's one JSON argument, as the store makes it (its rows [id, dataJson])
    const argument = JSON.stringify(ids.map((id, i) => [id, dataJson[i]]));
    // each Task from the store's own builder, on one full row filled in for each task (as a bulk create does)
    const tasks = new Array(N);
    const row = ["", null, null, "bench", "default", null, ""];
    for (let i = 0; i < N; i++) {
      row[0] = ids[i];
      row[6] = dataJson[i];
      tasks[i] = newTask(row, 1);
    }
    if (tasks.length !== N || !argument) throw new Error("nothing built");
    t = performance.now() - t0;
  } else if (opt.child === "plainjob") {
    const pj = await loadPlainjob();
    const queue = pj.defineQueue({ connection: pj.better(new pj.PeerDatabase(fresh("plainjob"))) });
    queue.add("warm-up", {});
    const t0 = performance.now();
    queue.addMany("bench", defs.map((d) => d.data));
    t = performance.now() - t0;
    queue.close?.();
  } else throw new Error(`unknown --child ${opt.child}`);
  rmSync(dir, { recursive: true, force: true });
  console.log((t * 1000 / N).toFixed(3));
  process.exit(0);
}

if (opt.bulk) {
  const NAMES = {
    sokka: "sokka's `createTasks` (the store, on its default driver)",
    statement: "its statements alone (the bare inserts and their time reads, on better-sqlite3, in one transaction)",
    floor: "the least JavaScript a bulk create that returns its tasks could run (no SQL, see --child floor)",
    plainjob: "plainjob's `addMany` (the library)",
  };
  const kids = (await loadPlainjob()) ? Object.keys(NAMES) : Object.keys(NAMES).filter((k) => k !== "plainjob");
  const times = new Map();
  for (let r = 0; r < Number(opt.rounds); r++) {
    for (const kid of kids) {
      const out = spawnSync(process.execPath, [new URL(import.meta.url).pathname, "--child", kid, "--n", String(N)], {
        encoding: "utf8",
      });
      if (out.status !== 0) throw new Error(`--child ${kid} failed: ${out.stderr.slice(-500)}`);
      times.set(kid, [...(times.get(kid) ?? []), Number(out.stdout.trim().split("\n").pop())]);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`| one bulk create of ${N.toLocaleString("en")} tasks, each in a fresh process | µs per task |`);
  console.log("| --- | --- |");
  for (const [kid, xs] of times) console.log(`| ${NAMES[kid]} | ${median(xs).toFixed(2)} |`);
  if (!kids.includes("plainjob")) {
    console.log("(plainjob is not installed: `npm run bench:peers` installs it in bench/peers)");
  }
  process.exit(0);
}

// sokka's schema as a store makes it (one task created, then closed)
const template = join(dir, "template.db");
const q = createTaskQ({ url: `file:${template}` });
await q.createTask({ topic: "warm-up" });
await q.close();
const tpl = new Database(template, { readonly: true });
const TABLE = tpl.prepare("SELECT sql FROM sqlite_master WHERE name = 'sokka_tasks'").get().sql;
const INDEXES = tpl.prepare(
  "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'sokka_tasks' AND type = 'index' AND sql IS NOT NULL",
).all();
// every table, index and trigger, to run the store's own statement on a bare connection
const SCHEMA = tpl.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'").all()
  .map((r) => r.sql);
tpl.close();

/** The store's single create as the driver binds it (`?NNN` as `?`). */
const single = positional(INSERT_TASK);
const singleArgs =
  () => [newId(), null, null, "bench", "default", null, JSON.stringify({ i: 1 }), ...Array(6).fill(null)];
/** The form INSERT_TASK replaced: the same row from a SELECT over a one-row clock. */
const NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
const SELECT_FORM = INSERT_TASK.replace(
  /VALUES \((.*)\)\n/s,
  (_, v) => `SELECT ${v.replaceAll(NOW, "now")}\n  FROM (SELECT ${NOW} AS now) WHERE true\n`,
);

/** plainjob 0.0.14's table, index and insert (its `queue.add`), for reference. */
const PLAINJOB_DDL = [
  "CREATE TABLE sokka_tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, data TEXT NOT NULL, status INTEGER DEFAULT 0 NOT NULL, failed_at INTEGER, error TEXT, next_run_at INTEGER, created_at INTEGER NOT NULL)",
  "CREATE INDEX idx ON sokka_tasks (status, type, next_run_at)",
];
const PLAINJOB_INSERT = "INSERT INTO sokka_tasks (type, data, created_at, next_run_at) VALUES ('bench', ?, ?, ?)";
const plainjobRow = (s) => () => {
  const now = Date.now();
  s.run(JSON.stringify({ i: 1 }), now, now);
};

if (opt.form === "plainjob") {
  // the child under valgrind: 2,000 of plainjob's inserts on its table
  const db = open(fresh(opt.form));
  for (const s of PLAINJOB_DDL) db.exec(s);
  const one = plainjobRow(db.prepare(PLAINJOB_INSERT));
  for (let i = 0; i < 2000; i++) one();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
if (opt.form) {
  // the child under valgrind: 2,000 creates on sokka's schema with one statement form
  const db = open(fresh(opt.form));
  for (const s of [TABLE, ...INDEXES.map((i) => i.sql)]) db.exec(s);
  const p = positional(opt.form === "values" ? INSERT_TASK : SELECT_FORM);
  const s = db.prepare(p.sql);
  for (let i = 0; i < 2000; i++) {
    const a = singleArgs();
    s.all(p.order.map((k) => a[k]));
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

if (opt.wal) {
  // the store's create statement one by one, by checkpoint interval, on a fresh database (whose WAL file grows
  // as it is first written) and on one whose WAL has been written through (30,000 creates first, untimed)
  const times = new Map();
  for (let r = 0; r < Number(opt.rounds); r++) {
    for (const inUse of [false, true]) {
      for (const pages of [8000, 1000]) {
        const db = open(fresh("wal"), 0, pages);
        for (const sql of SCHEMA) db.exec(sql);
        const s = db.prepare(single.sql);
        const one = () => {
          const a = singleArgs();
          s.all(single.order.map((k) => a[k]));
        };
        for (let i = 0; i < (inUse ? 30_000 : 300); i++) one();
        const t0 = performance.now();
        for (let i = 0; i < N; i++) one();
        const key = `${pages}|${inUse}`;
        times.set(key, [...(times.get(key) ?? []), (performance.now() - t0) * 1000 / N]);
        db.close();
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`| a checkpoint every | fresh database | its WAL written through once |`);
  console.log("| --- | --- | --- |");
  for (const pages of [8000, 1000]) {
    console.log(
      `| ${pages.toLocaleString("en")} WAL pages${
        pages === 8000 ? " (the store's)" : " (SQLite's default, plainjob's)"
      } | ${median(times.get(`${pages}|false`)).toFixed(1)} µs | ${median(times.get(`${pages}|true`)).toFixed(1)} µs |`,
    );
  }
  process.exit(0);
}

if (opt.instructions) {
  const NAMES = {
    select: "INSERT … SELECT FROM (clock)",
    values: "INSERT … VALUES (INSERT_TASK)",
    plainjob: "plainjob's insert, on its table",
  };
  for (const form of ["select", "values", "plainjob"]) {
    const out = join(dir, `cg-${form}.out`);
    const r = spawnSync("valgrind", [
      "--tool=callgrind",
      "--toggle-collect=sqlite3_step",
      `--callgrind-out-file=${out}`,
      process.execPath,
      new URL(import.meta.url).pathname,
      "--form",
      form,
    ], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`valgrind failed: ${r.stderr.slice(-500)}`);
    const total = /summary:\s+(\d+)/.exec(readFileSync(out, "utf8"))?.[1];
    console.log(
      `${NAMES[form]}: ${
        Math.round(Number(total) / 2000).toLocaleString("en")
      } instructions per create inside sqlite3_step`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const SOKKA_ROW =
  "INSERT INTO sokka_tasks (task_id, topic, sub_topic, status, record_ver, data, created_at, updated_at, attempts, ready_at, priority) VALUES (?, 'bench', 'default', 'starting', 1, ?, ?, ?, 0, ?, 0)";
const sokkaRow = (s) => () => {
  const now = Date.now();
  s.run(newId(), JSON.stringify({ i: 1 }), now, now, now);
};
const layouts = {
  "sokka's (table, unique task id, waiting index)": [[TABLE, ...INDEXES.map((i) => i.sql)], SOKKA_ROW, sokkaRow],
  "without the waiting index": [
    [TABLE, ...INDEXES.filter((i) => i.name !== "sokka_tasks_waiting").map((i) => i.sql)],
    SOKKA_ROW,
    sokkaRow,
  ],
  "without the unique task id": [
    [TABLE.replace("task_id TEXT NOT NULL UNIQUE", "task_id TEXT NOT NULL"), ...INDEXES.map((i) => i.sql)],
    SOKKA_ROW,
    sokkaRow,
  ],
  "WITHOUT ROWID, keyed by task id": [
    [
      TABLE.replace("id INTEGER PRIMARY KEY,\n", "").replace(
        "task_id TEXT NOT NULL UNIQUE",
        "task_id TEXT NOT NULL PRIMARY KEY",
      )
        .replace(/\)\s*$/, ") WITHOUT ROWID"),
      ...INDEXES.map((i) => i.sql),
    ],
    SOKKA_ROW,
    sokkaRow,
  ],
  "plainjob's (table, index, AUTOINCREMENT counter)": [PLAINJOB_DDL, PLAINJOB_INSERT, plainjobRow],
};
const PAGE_SIZES = [4096, 2048, 1024];
const results = new Map();
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const pageSize of PAGE_SIZES) {
    for (const [name, [ddl, sql, make]] of Object.entries(layouts)) {
      const db = open(fresh("layout"), pageSize);
      for (const s of ddl) db.exec(s);
      const one = make(db.prepare(sql));
      for (let i = 0; i < 300; i++) one();
      const t0 = performance.now();
      for (let i = 0; i < N; i++) one();
      const key = `${name}|${pageSize}`;
      results.set(key, [...(results.get(key) ?? []), (performance.now() - t0) * 1000 / N]);
      db.close();
    }
  }
}
// The whole create, one by one, beside what its statement alone costs: how much of a create is sokka's
// JavaScript, and how much its schema and statement. plainjob (the peer benchmark's, in bench/peers) if
// installed: `npm run bench:peers` installs it.
const plainjob = await loadPlainjob();
const PeerDatabase = plainjob?.PeerDatabase;
const whole = {
  "sokka's `createTask` (the store, on its default driver)": async () => {
    const store = createTaskQ({ url: `file:${fresh("store")}` });
    await store.createTask({ topic: "warm-up" });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await store.createTask({ topic: "bench", data: { i } });
    const t = performance.now() - t0;
    await store.close();
    return t;
  },
  "its statement alone (`INSERT_TASK` on better-sqlite3, none of sokka's JavaScript)": () => {
    const db = open(fresh("statement"));
    for (const sql of SCHEMA) db.exec(sql);
    const s = db.prepare(single.sql);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const a = singleArgs();
      s.all(single.order.map((k) => a[k]));
    }
    const t = performance.now() - t0;
    db.close();
    return t;
  },
  ...(plainjob
    ? {
      "plainjob's `queue.add` (the library)": () => {
        const queue = plainjob.defineQueue({ connection: plainjob.better(new PeerDatabase(fresh("plainjob"))) });
        queue.add("warm-up", {});
        const t0 = performance.now();
        for (let i = 0; i < N; i++) queue.add("bench", { i });
        const t = performance.now() - t0;
        queue.close?.();
        return t;
      },
    }
    : {}),
};
const wholeResults = new Map();
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const [name, run] of Object.entries(whole)) {
    wholeResults.set(name, [...(wholeResults.get(name) ?? []), (await run()) * 1000 / N]);
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(`| the whole create, one by one (4 KiB pages) | µs per create |`);
console.log(`| --- | --- |`);
for (const [name, xs] of wholeResults) console.log(`| ${name} | ${median(xs).toFixed(1)} |`);
if (!plainjob) console.log("(plainjob is not installed: `npm run bench:peers` installs it in bench/peers)");
console.log();
console.log(`| layout | ${PAGE_SIZES.map((p) => `${p / 1024} KiB pages`).join(" | ")} |`);
console.log(`| --- | ${PAGE_SIZES.map(() => "---").join(" | ")} |`);
for (const name of Object.keys(layouts)) {
  console.log(
    `| ${name} | ${PAGE_SIZES.map((p) => `${median(results.get(`${name}|${p}`)).toFixed(1)} µs`).join(" | ")} |`,
  );
}
