// Runs npm scripts side by side and prints each one's output whole, in the order given, once it ends:
//   node .ci/parallel.mjs test:bun test:deno
// Exits non-zero if any of them failed. The suites it pairs spend most of their time waiting on child
// processes, disks and sqld, so on CI's 2 cores two of them take little longer than one.
import { spawn } from "node:child_process";

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error("usage: node .ci/parallel.mjs <npm script> [npm script…]");
  process.exit(2);
}
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

const runs = scripts.map((script) => {
  const started = Date.now();
  const child = spawn(npm, ["run", script], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "1" },
  });
  const chunks = [];
  child.stdout.on("data", (c) => chunks.push(c));
  child.stderr.on("data", (c) => chunks.push(c));
  return new Promise((resolve) =>
    child.on(
      "close",
      (code, signal) => resolve({ script, code: code ?? 1, signal, chunks, seconds: (Date.now() - started) / 1000 }),
    )
  );
});

// A failing suite's lines that name what failed, repeated at the very end: CI keeps only the tail of a
// long log, and the suite that failed may have been printed first.
// (a failed test is marked × at its line's start; a passing one, ✓, may still name an error in its title)
const FAILURE = /^\s*[×✗]|FAIL|npm error|Error|failed|timed out|Timeout|exit [1-9]/;
const PASSED = /^\s*✓/;
// deno-lint-ignore no-control-regex
const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

const failures = [];
for (const run of runs) {
  const { script, code, signal, chunks, seconds } = await run;
  const output = Buffer.concat(chunks);
  process.stdout.write(output);
  const verdict = `[parallel] ${script}: ${signal ? `killed by ${signal}` : `exit ${code}`} after ${
    seconds.toFixed(1)
  } s`;
  console.log(verdict);
  if (code !== 0) {
    const lines = plain(output.toString()).split("\n").filter((line) => FAILURE.test(line) && !PASSED.test(line));
    failures.push([verdict, ...lines.slice(0, 40), ...(lines.length > 40 ? [`… ${lines.length - 40} more`] : [])]);
  }
}
if (failures.length > 0) {
  console.log(`\n[parallel] ${failures.length} of ${scripts.length} failed; their failure lines again:`);
  for (const lines of failures) console.log(lines.join("\n"));
}
// exitCode, not exit(): stdout to a pipe is written asynchronously, and exit() cut the last suite's output short
process.exitCode = failures.length ? 1 : 0;
