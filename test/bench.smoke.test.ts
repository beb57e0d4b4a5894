/** The benchmark runs in the suite on tiny sizes so it cannot rot; no timing is asserted. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("bench/bench.mjs --smoke measures every row", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(process.execPath, ["bench/bench.mjs", "--smoke"], {
    cwd: root,
    encoding: "utf8",
    timeout: 240_000,
  });
  for (
    const row of [
      "raw: one-by-one INSERT",
      "raw: single-row claim",
      "raw: 100-row claim",
      "raw: insert + claim + complete cycle",
      "raw: bare batched loop, c=1",
      "raw: bare batched loop, c=8",
      "raw: bare batched loop, c=32",
      "sokka: createTask one by one",
      "sokka: createTasks bulk",
      "sokka: end to end, c=1",
      "sokka: end to end, c=8",
      "sokka: end to end, c=32",
      "sokka: end to end, 1 process × c=32, process harness",
      "sokka: end to end, 2 processes × c=32",
      "sokka: reserveTask latency",
      "sokka: RSS of one worker",
      "raw: native driver memory, statements back to back",
      "raw: native driver memory, a macrotask every 500 statements",
      "raw: @libsql/client memory, statements back to back",
      "raw: @libsql/client memory, a macrotask every 500 statements",
    ]
  ) {
    expect(out).toContain(`| ${row}`);
  }
  expect(out).toContain("| sokka: end to end against sqld over HTTP");
  expect(out).toMatch(
    /\| while another process prunes 20,000 finished tasks .*: 20,000 deleted in [\d.]+ s, 0 left \|/,
  );
  expect(out).toContain("| sqld --use-custom-wal libsql-wal (recommended) | 2 | 640 |");
  expect(out).toMatch(
    /\| 1 \| sqld --use-custom-wal libsql-wal \(recommended\) \| 2 \| 1 s \| [\d,]+ \| [\d,]+ \| [\d.]+ \| 0 \| 0 \| no \|/,
  );
  // the WAN table: loopback, 10 and 50 ms RTT through the delaying proxy, every task checked
  expect(out).toMatch(
    /\| 1 × c=32 \| 320 \| [\d,]+ \| [\d,]+ \([\d.]+×\) \| [\d,]+ \([\d.]+×\) \| [^|]+ \| 0 \| 0 \| none \|/,
  );
  for (const path of ["same process", "another process", "a snoozed task", "HTTP long poll", "Idle worker CPU"]) {
    expect(out).toContain(path);
  }
  expect(out).not.toMatch(/NaN|Infinity/);
}, 240_000);

it("bench/overview.mjs measures every route of the overview, /topics and /metrics", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(process.execPath, ["bench/overview.mjs", "300"], { cwd: root, encoding: "utf8" });
  for (
    const row of [
      "overview (`/ui`)",
      "overview, in-place refresh",
      "overview, last page",
      "overview, search",
      "a topic's page",
      "`GET /topics`",
    ]
  ) {
    expect(out).toContain(`| ${row}`);
  }
  expect(out).toMatch(/\| `GET \/metrics` \| [\d.]+ ms \| [\d.,]+ KB \| [\d.,]+ KB \(gzip\) \|/);
  expect(out).not.toMatch(/NaN|Infinity/);
}, 120_000);

it("bench/peers/run.mjs --only sokka runs every test of the peer benchmark (no peers, no servers)", () => {
  // The peers need Redis, PostgreSQL and an install: `npm run bench:peers` is run by hand. This keeps its
  // orchestrator and sokka's side of it from rotting; no timing is asserted.
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(
    process.execPath,
    ["bench/peers/run.mjs", "--only", "sokka", "--rounds", "1", "--tasks", "100", "--pickups", "3"],
    { cwd: root, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] },
  );
  expect(out).toContain("| test | sokka |");
  for (
    const row of ["end to end: 100 tasks", "create 100 tasks one at a time", "create 100 tasks in one bulk", "pickup:"]
  ) {
    expect(out).toMatch(new RegExp(`\\| ${row}[^|]*\\| [\\d.,]+`));
  }
  expect(out).not.toMatch(/failed|NaN|Infinity/);
}, 120_000);
