// What a worker's two statements cost in the database, counted in CPU instructions (deterministic, unlike
// wall time on a shared machine): valgrind's callgrind counts the instructions inside sqlite3_step while
// 4,000 queued tasks are reserved 32 at a time (RESERVE_MANY) and each batch is completed (TERMINATE_BRIEF),
// each in its own transaction, on better-sqlite3 — the statements and schema of this build against another's.
//
//   npm run build && node bench/instructions.mjs [--against /path/to/other/checkout] [--n 4000]
//
// The other checkout must be built too (its dist/); e.g. the commit before topic limits:
//   git worktree add /tmp/old 0c7ee01 && ln -s "$PWD/node_modules" /tmp/old/ && (cd /tmp/old && npm run build)
// Needs valgrind (Debian: apt-get install valgrind). Prints instructions per task for each build.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const here = fileURLToPath(new URL("..", import.meta.url));
const { values: opt } = parseArgs({
  options: { against: { type: "string" }, n: { type: "string", default: "4000" }, run: { type: "string" } },
});

if (opt.run) {
  // the child, under valgrind: the loop over a copy of the prepared database
  const { db: dbPath, stmts } = JSON.parse(readFileSync(opt.run, "utf8"));
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(dbPath);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const prep = (p) => {
    const q = db.prepare(p.sql);
    return (args) => q.all(...(p.order ? p.order.map((i) => args[i]) : args));
  };
  const reserve = prep(stmts.reserve), terminate = prep(stmts.terminate);
  const begin = db.prepare("BEGIN IMMEDIATE"), commit = db.prepare("COMMIT");
  let n = 0;
  for (;;) {
    begin.run();
    const rows = reserve(["bench", "p1", 30_000, 32]);
    commit.run();
    if (!rows.length) break;
    n += rows.length;
    // the lease id is the 15th field of the row's JSON (statements/fragments.ts COLUMNS)
    const tuples = JSON.stringify(rows.map((r) => [JSON.parse(r.r)[0], "p1", JSON.parse(r.r)[14], null]));
    begin.run();
    const done = terminate([tuples]);
    commit.run();
    if (done.length !== rows.length) throw new Error(`completed ${done.length} of ${rows.length}`);
  }
  db.close();
  console.log(n);
  process.exit(0);
}

const N = Number(opt.n);
const dir = mkdtempSync(join(tmpdir(), "sokka-instr-"));
const builds = [["this build", here], ...(opt.against ? [[opt.against, resolve(opt.against)]] : [])];
try {
  for (const [name, root] of builds) {
    const imp = (p) => import(pathToFileURL(join(root, "dist", p)).href);
    const m = await imp("mod.js");
    const { RESERVE_MANY } = await imp("src/libsql/statements/reserve.js");
    const { TERMINATE_BRIEF } = await imp("src/libsql/statements/outcomes.js");
    const { positional } = await imp("src/libsql/sqlite-params.js");
    // the database as that build makes it, with N tasks queued
    const made = join(dir, "made.db");
    const taskq = m.createTaskQ({ url: `file:${made}` });
    const defs = Array.from({ length: N }, (_, i) => ({ topic: "bench", data: { i } }));
    for (let i = 0; i < N; i += 1000) await m.createTasks(taskq, defs.slice(i, i + 1000));
    await taskq.close();
    const db = join(dir, "run.db");
    copyFileSync(made, db);
    const spec = join(dir, "spec.json");
    writeFileSync(
      spec,
      JSON.stringify({ db, stmts: { reserve: positional(RESERVE_MANY), terminate: positional(TERMINATE_BRIEF) } }),
    );
    const p = spawnSync("valgrind", [
      "--tool=callgrind",
      `--callgrind-out-file=${join(dir, "callgrind.out")}`,
      "--collect-atstart=no",
      "--toggle-collect=sqlite3_step",
      process.execPath,
      fileURLToPath(import.meta.url),
      "--run",
      spec,
    ], { encoding: "utf8", cwd: here });
    const collected = /Collected : (\d+)/.exec(p.stderr ?? "");
    if (p.status !== 0 || !collected || Number(p.stdout.trim()) !== N) {
      throw new Error(`valgrind run failed (${p.error?.message ?? p.status}): ${(p.stderr ?? "").slice(-800)}`);
    }
    console.log(
      `${name}: ${Math.round(Number(collected[1]) / N)} instructions per task (reserve + complete, ${N} tasks)`,
    );
    for (const f of ["made.db", "run.db"]) {
      for (const s of ["", "-wal", "-shm"]) rmSync(join(dir, f + s), { force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
