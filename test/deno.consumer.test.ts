/**
 * A Deno program outside the repository uses this checkout of sokka the way
 * Deno uses a local copy of a JSR package: its deno.json `links` to the
 * checkout, whose deno.json `imports` declare the dependencies (npm:
 * specifiers, matching package.json). It runs a task through a worker, its
 * statements through Deno's own SQLite (`node:sqlite`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { tempDir } from "./helpers.ts";
import { spawnProcess } from "./processes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

it("deno.json declares every dependency and peer dependency of package.json, at the same ranges", () => {
  const deno = JSON.parse(readFileSync(`${root}deno.json`, "utf8")) as { imports: Record<string, string> };
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    expect(deno.imports[name], name).toBe(`npm:${name}@${range}`);
  }
  expect(deno.imports["hono/"]).toBe(`npm:/hono@${pkg.peerDependencies.hono}/`);
});

it(
  "a Deno app on its own Hono (the lowest 4.x the range allows) mounts sokka's routes with app.route(): one copy, it type-checks and serves",
  async () => {
    const dir = tempDir("sokka-deno-hono-app-");
    try {
      writeFileSync(`${dir.dir}/deno.json`, JSON.stringify({ links: [root], imports: { hono: "npm:hono@4.6.0" } }));
      writeFileSync(
        `${dir.dir}/main.ts`,
        `import { Hono } from "hono";
import { createTaskQ } from ${JSON.stringify(`${root}mod.ts`)};
import { sokkaRoutes } from ${JSON.stringify(`${root}src/http/mod.ts`)};

const taskq = createTaskQ({ url: ":memory:" });
const app = new Hono();
app.route("/sokka", sokkaRoutes({ taskq }));
const created = await app.request("/sokka/tasks", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ topic: "email" }),
});
const body: { topic: string } = await created.json();
console.log(JSON.stringify([created.status, body.topic, (await app.request("/sokka/ui")).status]));
await taskq.close();
`,
      );
      const deno = `${root}node_modules/.bin/deno`;
      const check = await spawnProcess(deno, ["check", "main.ts"], { cwd: dir.dir }).exit;
      expect(check.code, check.stderr).toBe(0);
      const run = await spawnProcess(deno, ["run", "-A", "main.ts"], { cwd: dir.dir }).exit;
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toEqual([201, "email", 200]);
      // one copy of hono in the app's graph, the app's own: two would not type-check (#private) above
      const info = await spawnProcess(deno, ["info", "--json", "main.ts"], { cwd: dir.dir }).exit;
      const npmPackages = Object.keys(JSON.parse(info.stdout).npmPackages ?? {});
      expect(npmPackages.filter((p) => p.startsWith("hono@"))).toEqual(["hono@4.6.0"]);
    } finally {
      dir.cleanup();
    }
  },
  180_000,
);

it(
  "a Deno script in a folder outside the repository runs a task through the repository's mod.ts, with read and write permissions on its folder only",
  async () => {
    const dir = tempDir("sokka-deno-consumer-");
    try {
      writeFileSync(`${dir.dir}/deno.json`, JSON.stringify({ links: [root] }));
      writeFileSync(
        `${dir.dir}/main.ts`,
        `import { createTask, createTaskQ, ok, worker } from ${JSON.stringify(`${root}mod.ts`)};
const taskq = createTaskQ({ url: "file:" + Deno.cwd() + "/consumer.db" });
const t = await createTask(taskq, { topic: "greet", data: { name: "Ada" } });
const seen: unknown[] = [];
const w = worker({ taskq, topic: "greet", pfn: (task) => (seen.push(task.data), ok()) });
await new Promise<void>((resolve) => w.addEventListener("completed", () => resolve(), { once: true }));
await w.stop();
const { driver } = await taskq.storeInfo();
console.log(JSON.stringify({ seen, status: (await taskq.task(t.taskId))?.status, driver }));
await taskq.close();
`,
      );
      // no -A: the permissions README.md names for a file: database, its folder's reads and writes alone (importing
      // @libsql/client's main entry asked for env, sys and ffi, whatever the database)
      const child = spawnProcess(
        `${root}node_modules/.bin/deno`,
        ["run", "--allow-read=.", "--allow-write=.", "main.ts"],
        { cwd: dir.dir },
      );
      const out = await child.exit;
      expect(out.code, out.stderr).toBe(0);
      expect(JSON.parse(out.stdout.trim().split("\n").at(-1)!)).toEqual({
        seen: [{ name: "Ada" }],
        status: "terminated",
        driver: "node:sqlite", // Deno's own SQLite (src/drivers/node-sqlite.ts), chosen for its version
      });
    } finally {
      dir.cleanup();
    }
  },
  180_000,
);
