// `npm run bench:overview`: the dashboard's overview, GET /topics and GET /metrics with many topics.
// Seeds TOPICS topics (default 10,000; `node bench/overview.mjs 2000` for another count) into a temp
// `file:` database, each with one waiting, one completed and one failed task (so each has counts and
// activity), serves sokkaRoutes on 127.0.0.1 in this process, and measures each route: the median of 5
// warm requests (after 2 unmeasured ones), and its bytes as sent without Accept-Encoding and with
// `Accept-Encoding: gzip` (what a browser sends). Prints a markdown table; with --write, also writes it
// into BENCHMARKS.md's section "Overview with many topics" (bench/bench.mjs carries that section over).
import { request } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createTaskQ } from "../dist/mod.js";
import { sokkaRoutes } from "../dist/src/http/mod.js";
import { sectionOf } from "./sections.mjs";

export const OVERVIEW_HEADING = "## Overview with many topics";

/** The name of the bench's `i`th topic. */
const topicName = (i) => `topic-${String(i).padStart(6, "0")}`;

/** Seeds `n` topics: per topic one waiting task, one completed and one failed (in chunks of 1,000 topics). */
export async function seedTopics(taskq, n, name = topicName) {
  const CHUNK = 1_000;
  for (let from = 0; from < n; from += CHUNK) {
    const topics = Array.from({ length: Math.min(CHUNK, n - from) }, (_, i) => name(from + i));
    await taskq.createTasks(topics.flatMap((topic) => [{ topic }, { topic }, { topic }]));
    const writes = [];
    for (const topic of topics) {
      const [a, b] = await taskq.reserveTasks(topic, "seed", 2);
      writes.push({ op: "terminate", taskId: a.taskId, pid: "seed" });
      writes.push({ op: "fail", taskId: b.taskId, pid: "seed", error: "seeded failure" });
    }
    for (const r of await taskq.applyWrites(writes)) if (r.error) throw r.error;
  }
}

/** One GET over a real socket: status, milliseconds to the last byte, bytes of the body as sent. */
function get(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      let bytes = 0;
      res.on("data", (b) => (bytes += b.length));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          ms: performance.now() - t0,
          bytes,
          encoding: res.headers["content-encoding"] ?? null,
        }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Measures each [label, path]: the median of 5 warm requests, raw and gzip-accepting bytes. */
export async function measure(port, routes) {
  const rows = [];
  for (const [label, path] of routes) {
    for (let i = 0; i < 2; i++) await get(port, path); // warm-up
    const times = [];
    let raw;
    for (let i = 0; i < 5; i++) {
      raw = await get(port, path);
      if (raw.status !== 200) throw new Error(`${path}: ${raw.status}`);
      times.push(raw.ms);
    }
    const gz = await get(port, path, { "accept-encoding": "gzip" });
    rows.push({ label, path, ms: median(times), bytes: raw.bytes, wire: gz.bytes, encoding: gz.encoding });
  }
  return rows;
}

/** The routes measured: the new overview's pages, or only the old three (`--before`, for the code before paging). */
function routes(before, n) {
  const all = [["overview (`/ui`)", "/ui"], ["`GET /topics`", "/topics"], ["`GET /metrics`", "/metrics"]];
  if (before) return all;
  return [
    ...all.slice(0, 1),
    ["overview, in-place refresh (the fragment)", "/ui?fragment=1"],
    ["overview, last page", "/ui?last=1"],
    ["overview, search `topic-00099`", "/ui?prefix=topic-00099"],
    ["a topic's page (its charts)", `/ui/topics/${topicName(Math.floor(n / 2))}`],
    ...all.slice(1),
  ];
}

const kb = (b) => `${(b / 1024).toLocaleString("en-US", { maximumFractionDigits: 1 })} KB`;

export function overviewTable(n, rows) {
  return [
    `| route (${n.toLocaleString("en-US")} topics) | median of 5 warm requests | body | with Accept-Encoding: gzip |`,
    "| --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.label} | ${r.ms.toFixed(1)} ms | ${kb(r.bytes)} | ${
        r.encoding ? `${kb(r.wire)} (${r.encoding})` : "not compressed"
      } |`
    ),
  ].join("\n");
}

/** Seeds `n` topics, serves the routes, measures them; returns the rows. */
export async function overviewBench(n, before = false) {
  const dir = mkdtempSync(join(tmpdir(), "sokka-bench-overview-"));
  const taskq = createTaskQ({ url: `file:${join(dir, "overview.db")}` });
  let server;
  try {
    await seedTopics(taskq, n);
    const app = sokkaRoutes({ taskq });
    // the in-place refresh asks for the fragment with a header; the bench names it with a query to keep one path per row
    const fetch = (req) => {
      const url = new URL(req.url);
      if (url.searchParams.get("fragment") !== "1") return app.fetch(req);
      url.searchParams.delete("fragment");
      const headers = new Headers(req.headers);
      headers.set("x-sokka-fragment", "1");
      return app.fetch(new Request(url, { headers }));
    };
    const port = await new Promise((resolve) => {
      server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve(info.port));
    });
    return await measure(port, routes(before, n));
  } finally {
    server?.close();
    await taskq.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The section "Overview with many topics" of a BENCHMARKS.md text, or "" when it has none. */
export function overviewSection(md) {
  return sectionOf(md, OVERVIEW_HEADING);
}

if (process.argv[1]?.endsWith("overview.mjs")) {
  const args = process.argv.slice(2);
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000);
  const rows = await overviewBench(n, args.includes("--before"));
  const table = overviewTable(n, rows);
  console.log(table);
  if (args.includes("--write")) {
    const url = new URL("../BENCHMARKS.md", import.meta.url);
    const md = readFileSync(url, "utf8");
    const old = overviewSection(md);
    if (!old) throw new Error(`BENCHMARKS.md has no section ${OVERVIEW_HEADING} to fill`);
    // the table after the section's text (which keeps the figures from before paging) is replaced
    const at = old.indexOf("\n| route (");
    const section = `${old.slice(0, at === -1 ? undefined : at).trimEnd()}\n\n${table}\n`;
    writeFileSync(url, md.replace(old, section));
    console.error("wrote the overview section of BENCHMARKS.md");
  }
}
