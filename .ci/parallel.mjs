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

let failed = 0;
for (const run of runs) {
  const { script, code, signal, chunks, seconds } = await run;
  process.stdout.write(Buffer.concat(chunks));
  console.log(`[parallel] ${script}: ${signal ? `killed by ${signal}` : `exit ${code}`} after ${seconds.toFixed(1)} s`);
  if (code !== 0) failed++;
}
// exitCode, not exit(): stdout to a pipe is written asynchronously, and exit() cut the last suite's output short
process.exitCode = failed ? 1 : 0;
