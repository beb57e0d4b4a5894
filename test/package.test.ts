/**
 * The npm package as a user gets it: `npm pack`, install the tarball into an
 * empty project, then import `sokka` and `sokka/http` from plain Node ESM and
 * run a task end to end — and type-check a TypeScript consumer against the
 * shipped `.d.ts`.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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
let tarball: string;

/** Installs the tarball (and `extra` packages) into an empty project at `dir`. */
function installConsumer(dir: string, extra: string[] = []): void {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // --ignore-scripts: better-sqlite3's install script would compile SQLite here (70 s of CPU, CI has no
  // prebuilt binary to download); the addon `npm ci` built for this Node goes where prebuild-install would
  // put a downloaded one. Same version or the test rebuilds it, so the consumer never runs without it.
  npm(["install", "--prefer-offline", "--no-package-lock", "--ignore-scripts", ...extra, tarball], dir);
  const addon = (d: string) => join(d, "node_modules/better-sqlite3");
  const version = (d: string) => JSON.parse(readFileSync(join(addon(d), "package.json"), "utf8")).version;
  if (version(root) === version(dir)) {
    cpSync(
      join(addon(root), "build/Release/better_sqlite3.node"),
      join(addon(dir), "build/Release/better_sqlite3.node"),
    );
  } else {
    npm(["rebuild", "better-sqlite3"], dir);
  }
}

/** tsc over `dir`'s main.ts, strict; throws (with tsc's report) on any type error. */
function typeCheck(dir: string): void {
  writeFileSync(
    join(dir, "tsconfig.json"),
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
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], {
    cwd: dir,
    encoding: "utf8",
  });
}

beforeAll(() => {
  project = tempDir("sokka-consumer-");
  // dist/ is built by the global setup; --ignore-scripts keeps `prepack` from rebuilding it under other running tests.
  const [packed] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", project.dir], root));
  files = packed.files.map((f: { path: string }) => f.path);
  tarball = join(project.dir, packed.filename);
  installConsumer(project.dir);
}, 180_000);

afterAll(() => project?.cleanup());

describe("npm package", () => {
  it("ships the built entry points, their types, README, LICENSE, the guides of docs/ and their images, and no sources or tests", () => {
    for (
      const f of [
        "package.json",
        "README.md",
        "LICENSE",
        // README and docs link to it
        "BENCHMARKS.md",
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
        !["package.json", "README.md", "BENCHMARKS.md", "LICENSE"].includes(f)
      ),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project.dir, "node_modules/sokka/package.json"), "utf8"));
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe(">=20");
  });

  it("every relative link of the shipped Markdown reaches a shipped file", () => {
    const pkg = join(project.dir, "node_modules/sokka");
    const broken: string[] = [];
    for (const doc of files.filter((f) => f.endsWith(".md"))) {
      const text = readFileSync(join(pkg, doc), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^([a-z]+:|#)/i.test(target)) continue; // a URL, or an anchor of the same page
        const path = target.split("#")[0];
        if (!existsSync(join(pkg, dirname(doc), path))) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
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
    typeCheck(project.dir);
  });
});

/** The lowest Hono the peer range (`hono` in package.json's peerDependencies) allows. */
const LOWEST_HONO = "4.6.0";

describe(`an existing app on Hono ${LOWEST_HONO}, the lowest the peer range allows`, () => {
  let app: { dir: string; cleanup(): void };
  beforeAll(() => {
    app = tempDir("sokka-hono-app-");
    installConsumer(app.dir, [`hono@${LOWEST_HONO}`]);
  }, 180_000);
  afterAll(() => app?.cleanup());

  it("hono is a peer: the app's own copy serves sokka's routes, no second copy is installed", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.dependencies.hono).toBeUndefined();
    expect(pkg.peerDependencies.hono).toBe(`^${LOWEST_HONO}`);
    expect(JSON.parse(readFileSync(join(app.dir, "node_modules/hono/package.json"), "utf8")).version).toBe(LOWEST_HONO);
    expect(existsSync(join(app.dir, "node_modules/sokka/node_modules/hono"))).toBe(false);
  });

  it("app.route() type-checks with sokkaRoutes() (no #private clash between two copies) and serves it", () => {
    const code = (typed: boolean) => `
import { Hono } from "hono";
import { createTaskQ } from "sokka";
import { sokkaRoutes } from "sokka/http";

const taskq = createTaskQ({ url: ":memory:" });
const app = new Hono();
app.get("/", (c) => c.text("my app"));
app.route("/sokka", sokkaRoutes({ taskq }));
const created = await app.request("/sokka/tasks", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ topic: "email", data: { to: "a@example.com" } }),
});
const ui = await app.request("/sokka/ui");
const bad = await app.request("/sokka/tasks", { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
const body${typed ? ": { topic: string }" : ""} = await created.json();
console.log(JSON.stringify([created.status, body.topic, ui.status, bad.status, (await app.request("/")).status]));
await taskq.close();
`;
    writeFileSync(join(app.dir, "main.ts"), code(true));
    typeCheck(app.dir);
    writeFileSync(join(app.dir, "main.mjs"), code(false));
    const out = execFileSync(process.execPath, ["main.mjs"], { cwd: app.dir, encoding: "utf8", timeout: 60_000 });
    expect(JSON.parse(out.trim())).toEqual([201, "email", 200, 400, 200]);
  });
});
