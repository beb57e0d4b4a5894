// `npm run bench:http` (also part of `npm run bench`): POST /tasks through
// sokkaRoutes beside a bare Hono JSON route on the same server, 32 concurrent
// clients from autocannon in THIS process, the server in its own. Prints a
// markdown table (and, with --json, one JSON line) of req/s and latency.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const here = fileURLToPath(new URL(".", import.meta.url));
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const connections = 32;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Runs autocannon against one route and returns its summary. */
function load(url, body) {
  return new Promise((resolve, reject) => {
    autocannon({
      url,
      method: "POST",
      connections,
      duration: seconds,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

export async function httpBench() {
  const dir = mkdtempSync(join(tmpdir(), "sokka-bench-http-"));
  const port = await freePort();
  const server = spawn(process.execPath, [join(here, "http-server.mjs")], {
    env: { ...process.env, PORT: String(port), SOKKA_URL: `file:${join(dir, "http.db")}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve) => server.stdout.once("data", resolve));
  const body = { topic: "bench", data: { to: "ada@example.com", subject: "hello" } };
  try {
    // a short warm-up of each, then the measured runs
    const base = `http://127.0.0.1:${port}`;
    const out = {};
    for (const [name, path] of [["bare", "/bare"], ["sokka", "/sokka/tasks"]]) {
      await new Promise((r, j) =>
        autocannon({
          url: base + path,
          method: "POST",
          connections,
          duration: 1,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }, (e) => (e ? j(e) : r()))
      );
      const r = await load(base + path, body);
      if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
      out[name] = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total };
    }
    return out;
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function httpTable(r) {
  const f = (x) => Math.round(x).toLocaleString("en-US");
  return [
    "| route | load | req/s | latency p50 / p99 | ratio |",
    "| --- | --- | --- | --- | --- |",
    `| bare Hono JSON route (parses the body, answers 201 JSON) | ${connections} connections, ${seconds} s; autocannon in the bench process, the server in its own | ${
      f(r.bare.rps)
    } | ${r.bare.p50} / ${r.bare.p99} ms |  |`,
    `| sokka: POST /tasks (validated, stored on a file: database) | the same | ${
      f(r.sokka.rps)
    } | ${r.sokka.p50} / ${r.sokka.p99} ms | ${(r.sokka.rps / r.bare.rps).toFixed(2)}× bare |`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await httpBench();
  console.log(httpTable(r));
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
}
