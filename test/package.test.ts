/**
 * The npm package as a user gets it: `npm pack`, install the tarball into an
 * empty project, then import `sokka` and `sokka/http` from plain Node ESM and
 * run a task end to end — and type-check a TypeScript consumer against the
 * shipped `.d.ts`.
 */
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" },
  });

let project: { dir: string; cleanup(): void };
let files: string[];

beforeAll(() => {
  project = tempDir("sokka-consumer-");
  // dist/ is built by the global setup; --ignore-scripts keeps `prepack` from rebuilding it under other running tests.
  const [packed] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", project.dir], root));
  files = packed.files.map((f: { path: string }) => f.path);
  writeFileSync(join(project.dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // --ignore-scripts: better-sqlite3's install script would compile SQLite here (70 s of CPU, CI has no
  // prebuilt binary to download); the addon `npm ci` built for this Node goes where prebuild-install would
  // put a downloaded one. Same version or the test rebuilds it, so the consumer never runs without it.
  npm(
    ["install", "--prefer-offline", "--no-package-lock", "--ignore-scripts", join(project.dir, packed.filename)],
    project.dir,
  );
  const addon = (dir: string) => join(dir, "node_modules/better-sqlite3");
  const version = (dir: string) => JSON.parse(readFileSync(join(addon(dir), "package.json"), "utf8")).version;
  if (version(root) === version(project.dir)) {
    cpSync(
      join(addon(root), "build/Release/better_sqlite3.node"),
      join(addon(project.dir), "build/Release/better_sqlite3.node"),
    );
  } else {
    npm(["rebuild", "better-sqlite3"], project.dir);
  }
}, 180_000);

afterAll(() => project?.cleanup());

describe("npm package", () => {
  it("ships the built entry points, their types, README, LICENSE, the guides of docs/ and their images, and no sources or tests", () => {
    for (
      const f of [
        "package.json",
        "README.md",
        "LICENSE",
        "dist/mod.js",
        "dist/mod.d.ts",
        "dist/src/http/mod.js",
        "dist/src/http/mod.d.ts",
        "docs/reference.md",
        "docs/workers.md",
        "docs/dashboard-overview.png",
        "docs/dashboard-task.png",
        "docs/dashboard-tasks-390.png",
      ]
    ) {
      expect(files).toContain(f);
    }
    expect(
      files.filter((f) =>
        !f.startsWith("dist/") && !/^docs\/[^/]+\.(png|md)$/.test(f) &&
        !["package.json", "README.md", "LICENSE"].includes(f)
      ),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project.dir, "node_modules/sokka/package.json"), "utf8"));
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe(">=20");
  });

  it("runs a task end to end from plain Node ESM, and serves it through sokka/http", () => {
    writeFileSync(
      join(project.dir, "main.mjs"),
      `
import { createTask, createTaskQ, ok, worker } from "sokka";
import { sokkaRoutes } from "sokka/http";

const taskq = createTaskQ({ url: "file:" + ${JSON.stringify(join(project.dir, "q.db"))} });
const created = await createTask(taskq, { topic: "hello", data: { name: "Ada" } });
const seen = [];
const w = worker({ taskq, topic: "hello", maxPollIntervalMs: 50, pfn: (t) => (seen.push(t.data.name), ok()) });
await new Promise((resolve) => w.addEventListener("completed", resolve, { once: true }));
await w.stop();
const res = await sokkaRoutes({ taskq }).request("/tasks/" + created.taskId);
console.log(JSON.stringify({ seen, http: res.status, status: (await res.json()).status, driver: (await taskq.storeInfo()).driver }));
await taskq.close();
`,
    );
    const out = execFileSync(process.execPath, ["main.mjs"], { cwd: project.dir, encoding: "utf8", timeout: 60_000 });
    expect(JSON.parse(out.trim())).toEqual({
      seen: ["Ada"],
      http: 200,
      status: "terminated",
      driver: "better-sqlite3",
    });
  });

  it("installs the sokka binary, which runs from the installed package", () => {
    const bin = join(project.dir, "node_modules/.bin/sokka");
    const help = execFileSync(bin, ["--help"], { cwd: project.dir, encoding: "utf8" });
    expect(help).toMatch(/^Usage: sokka \[options\] \[command\]/);
    const url = `file:${join(project.dir, "cli.db")}`;
    const made = JSON.parse(
      execFileSync(bin, ["create", "--topic", "cli", "--json", "--url", url], { encoding: "utf8" }),
    );
    const stats = JSON.parse(execFileSync(bin, ["stats", "--json", "--url", url], { encoding: "utf8" }));
    expect(stats.find((s: { topic: string }) => s.topic === "cli").counts.starting).toBe(1);
    expect(made.topic).toBe("cli");
  });

  it("type-checks a TypeScript consumer against the shipped declarations", () => {
    writeFileSync(
      join(project.dir, "main.ts"),
      `
import { createTaskQ, ok, worker, type Task, TaskError } from "sokka";
import { sokkaRoutes } from "sokka/http";

const taskq = createTaskQ({ url: ":memory:" });
const w = worker<{ to: string }>({ taskq, topic: "email", pfn: (task: Task<{ to: string }>) => (task.data.to.toUpperCase(), ok()) });
w.addEventListener("failed", (e) => console.log(e.detail.taskId, e.detail.error));
const app = sokkaRoutes({ taskq });
export const check: [typeof app.fetch, typeof TaskError] = [app.fetch, TaskError];
`,
    );
    writeFileSync(
      join(project.dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          lib: ["ES2022", "DOM"],
          types: [],
        },
        files: ["main.ts"],
      }),
    );
    // throws (with tsc's report) on any type error
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], {
      cwd: project.dir,
      encoding: "utf8",
    });
  });
});
