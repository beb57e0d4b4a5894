// `npm run bench:drivers`: the SQLite libraries of `file:` stores side by side, A/B in one run.
// Under Node: the default (better-sqlite3) against libsql (the driver of earlier releases), and
// node:sqlite where this Node has it; then the same under Bun (bun:sqlite against libsql). Each
// phase of bench/driver-ab.mjs (end to end at c=32, createTask one by one, createTasks in bulk) runs
// in a fresh process per sample, the drivers alternating (A B, then B A, …), ROUNDS samples each
// (default 7). Reports medians of the wall-clock rate and of the rate per CPU second
// (process.cpuUsage, which a loaded machine disturbs less), and the median of the pairs' ratios.
// With --write, the table goes into BENCHMARKS.md's section "SQLite drivers" (bench.mjs carries it over).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sectionOf } from "./sections.mjs";

export const DRIVERS_HEADING = "## SQLite drivers";
const here = fileURLToPath(new URL(".", import.meta.url));
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf("--rounds") + 1]) || 7;
const PHASES = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : ["e2e", "create", "bulk"];
const RUNTIMES = args.includes("--runtimes") ? args[args.indexOf("--runtimes") + 1].split(",") : ["node", "bun"];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** One sample: a fresh process of `runtime` running one phase on one driver. */
function sample(runtime, driver, phase) {
  const [cmd, pre] = runtime === "node"
    ? [process.execPath, []]
    : [fileURLToPath(new URL("../node_modules/.bin/bun", import.meta.url)), []];
  const out = execFileSync(cmd, [...pre, `${here}driver-ab.mjs`, driver, phase], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return JSON.parse(out.trim().split("\n").pop());
}

/** A against B on every phase, alternating; returns table rows. */
function compare(runtime, a, b) {
  const rows = [];
  for (const phase of PHASES) {
    const s = { a: [], b: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 ? ["b", "a"] : ["a", "b"]) s[side].push(sample(runtime, side === "a" ? a : b, phase));
    }
    const wall = (xs) => median(xs.map((x) => x.perSec));
    const cpu = (xs) => median(xs.map((x) => x.cpuPerSec));
    const pairs = s.a.map((x, i) => x.perSec / s.b[i].perSec);
    const cpuPairs = s.a.map((x, i) => x.cpuPerSec / s.b[i].cpuPerSec);
    rows.push(
      `| ${runtime} | ${phase} | ${s.a[0].driver} | ${fmt(wall(s.a))}/s | ${s.b[0].driver} | ${fmt(wall(s.b))}/s | ` +
        `${fmt(wall(s.a) / wall(s.b), 2)}× (pairs: ${fmt(median(pairs), 2)}×) | ${fmt(cpu(s.a))} vs ${fmt(cpu(s.b))} (${
          fmt(cpu(s.a) / cpu(s.b), 2)
        }×; pairs ${fmt(median(cpuPairs), 2)}×) |`,
    );
    console.error(rows.at(-1));
  }
  return rows;
}

/** The section "SQLite drivers" of a BENCHMARKS.md text, or "" when it has none. */
export function driversSection(md) {
  return sectionOf(md, DRIVERS_HEADING);
}

if (process.argv[1]?.endsWith("drivers.mjs")) {
  const hasNodeSqlite = (() => {
    const [major, minor] = process.versions.node.split(".").map(Number);
    return major > 22 || (major === 22 && minor >= 13);
  })();
  const rows = [
    ...(RUNTIMES.includes("node") ? compare("node", "default", "libsql") : []),
    ...(RUNTIMES.includes("node") && hasNodeSqlite ? compare("node", "node:sqlite", "libsql") : []),
    ...(RUNTIMES.includes("bun") ? compare("bun", "bun:sqlite", "libsql") : []),
  ];
  const table = [
    `Node ${process.version}, Bun from the \`bun\` devDependency; ${ROUNDS} samples per driver and phase, each a fresh process, ` +
    "the two drivers alternating. e2e: 10,000 queued tasks, one worker at concurrency 32, no-op; create: 5,000 `createTask` " +
    "one by one; bulk: one `createTasks` of 10,000. Rates are medians; the CPU column is tasks per CPU second of the " +
    "process (less disturbed by other load).",
    "",
    "| runtime | phase | A | A rate | B | B rate | A ÷ B (median of pairs) | per CPU second, A vs B |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
  console.log(table);

  if (args.includes("--write")) {
    const url = new URL("../BENCHMARKS.md", import.meta.url);
    const md = readFileSync(url, "utf8");
    const old = driversSection(md);
    const section = `${DRIVERS_HEADING}\n\n\`npm run bench:drivers\` (bench/drivers.mjs). ${table}\n`;
    writeFileSync(url, old ? md.replace(old, section) : `${md.trimEnd()}\n\n${section}`);
    console.error("wrote the SQLite drivers section of BENCHMARKS.md");
  }
}
