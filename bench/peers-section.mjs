// Writes the output of the peer harness into BENCHMARKS.md as its own section:
//   ../shared/bench-peers/run --rounds 3 | node bench/peers-section.mjs
// The section keeps the command and the date; `npm run bench` carries it over unchanged
// when it regenerates the rest of the file (bench/bench.mjs, PEERS_HEADING).
import { readFileSync, writeFileSync } from "node:fs";
import { sectionOf } from "./sections.mjs";

export const PEERS_HEADING = "## Beside plainjob and the ceiling (peer harness)";

/** The peer section of a BENCHMARKS.md text, or "" when it has none. */
export function peersSection(md) {
  return sectionOf(md, PEERS_HEADING);
}

if (process.argv[1]?.endsWith("peers-section.mjs")) {
  const input = readFileSync(0, "utf8");
  const table = input.split("\n").filter((l) => l.startsWith("|")).join("\n");
  if (!table.includes("sokka ÷ plainjob")) throw new Error("no peer table in the input");
  const rounds = Math.max(0, ...[...input.matchAll(/^round (\d+)/gm)].map((m) => Number(m[1])));
  const section = `${PEERS_HEADING}

\`../shared/bench-peers/run --rounds 3 | node bench/peers-section.mjs\`, run on ${
    new Date().toISOString().slice(0, 10)
  } (${rounds} rounds; medians with min–max). The harness runs each system as a fresh process on a fresh
temp \`file:\` database, rounds interleaved: sokka through its public API, plainjob 0.0.14 on better-sqlite3,
and the "ceiling", bare SQL on the smallest table that keeps a lease and a fence (one partial index, no
listing indexes) on \`@libsql/client\` (SQLite 3.45.1), which prepares every statement anew. sokka's \`file:\`
stores run on this runtime's default library (under Node: better-sqlite3, as plainjob does; see docs/store.md,
"SQLite drivers") with statements kept prepared (src/libsql/sqlite-driver.ts) and copy their WAL back every
8,000 pages (the ceiling: SQLite's default 1,000), so part of sokka's ratio to the ceiling is the library and
that setting, not the design (BENCHMARKS.md's "raw" rows above run sokka's statements on sokka's library and
settings). The harness lives outside this repository, beside it.

${table}
`;
  const url = new URL("../BENCHMARKS.md", import.meta.url);
  const md = readFileSync(url, "utf8");
  const old = peersSection(md);
  writeFileSync(url, old ? md.replace(old, section) : md.trimEnd() + "\n\n" + section);
  console.error("wrote the peer section of BENCHMARKS.md");
}
