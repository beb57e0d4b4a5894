/**
 * The runtime examples, run for real: `examples/node.mjs` (what `npm start`
 * serves) under Node, `examples/bun.ts` under Bun and `examples/deno.ts`
 * under Deno, each on a temp `file:` database and a free port, driven over
 * HTTP. (The Cloudflare example is bundled and checked in edge.bundle.test.ts.)
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { fileDrivers, tempDbUrl, tempDir, waitFor } from "./helpers.ts";
import { type Child, freePort, spawnProcess } from "./processes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

let running: { child: Child; cleanup(): void; url: string }[] = [];
afterEach(async () => {
  for (const r of running) {
    r.child.kill("SIGKILL");
    await r.child.exit;
    r.cleanup();
  }
  running = [];
});

async function start(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ base: string; child: Child }> {
  const db = tempDbUrl();
  const port = await freePort();
  const child = spawnProcess(command, args, { cwd: root, env: { PORT: String(port), SOKKA_URL: db.url, ...env } });
  running.push({ child, cleanup: db.cleanup, url: db.url });
  const base = `http://127.0.0.1:${port}`;
  let exited = false;
  void child.exit.then(() => (exited = true));
  await waitFor(
    async () => {
      if (exited) throw new Error(`${args.join(" ")} exited: ${(await child.exit).stderr}`);
      return fetch(`${base}/`).then(() => true, () => false);
    },
    60_000,
    `${args.join(" ")} to listen`,
  );
  return { base, child };
}

const json = async (res: Response) => ({ status: res.status, body: await res.json() });
/** One request over node:http, which sends the `Host` it is given. */
function rawRequest(port: number, method: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** A signup that is not JSON, or not `{ email }`, is a 400 (it was a 500) and queues nothing; `/` leads to the dashboard. */
async function refusesBadSignups(base: string) {
  const root = await fetch(`${base}/`, { redirect: "manual" });
  expect([root.status, root.headers.get("location")]).toEqual([302, "/sokka/ui"]);
  const text = await fetch(`${base}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "x",
  });
  expect(text.status).toBe(400);
  expect((await post(`${base}/signup`, { mail: "ada@example.com" })).status).toBe(400);
  expect((await json(await fetch(`${base}/sokka/tasks?topic=welcome-email`))).body.data).toEqual([]);
}

describe("runtime examples", () => {
  it("Node (npm start): the demo serves the dashboard and its workers finish demo tasks", async () => {
    // what `npm start` runs after its build (the suite's global setup has built dist/ already)
    const script = JSON.parse(readFileSync(`${root}package.json`, "utf8")).scripts.start as string;
    const entry = /^npm run build && node (\S+)$/.exec(script)?.[1];
    expect(entry, `npm start is "${script}"`).toBeDefined();
    const { base, child } = await start(process.execPath, [entry!]);
    await child.printed(`data in ${running.at(-1)!.url})`); // the database SOKKA_URL names, not always sokka.db
    const ui = await fetch(`${base}/ui`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain("sokka");
    const done = await waitFor(
      async () => (await json(await fetch(`${base}/tasks?status=terminated`))).body.data.length > 0,
      30_000,
      "a demo task to be terminated",
    );
    expect(done).toBe(true);
  });

  it("Node (npm start): a busy port is one clear line and exit 1; Ctrl-C says what was handed back", async () => {
    const entry = /node (\S+)$/.exec(JSON.parse(readFileSync(`${root}package.json`, "utf8")).scripts.start)![1];
    const { base, child } = await start(process.execPath, [entry]);
    const port = new URL(base).port;
    // a second demo on the same port
    const db = tempDbUrl();
    try {
      const second = spawnProcess(process.execPath, [entry], { cwd: root, env: { PORT: port, SOKKA_URL: db.url } });
      const out = await second.exit;
      expect(out.code).toBe(1);
      expect(out.stderr.trim()).toBe(`port ${port} is in use; set PORT to another one, e.g. PORT=8788 npm start`);
    } finally {
      db.cleanup();
    }
    // Ctrl-C while demo tasks run
    await waitFor(
      async () => (await json(await fetch(`${base}/tasks?status=running`))).body.data.length > 0,
      30_000,
      "a demo task to run",
    );
    child.kill("SIGINT");
    const { code, stdout } = await child.exit;
    expect(code).toBe(0);
    const line = stdout.trim().split("\n").at(-1)!;
    expect(line).toMatch(/^stopped: (handed back \d+ running task\(s\)|no task was running)/);
    // every task it names is back to starting (its worker handed it back; nobody else runs)
    // ids as the demo prints them: generated ones, and a schedule's slot tasks (`demo-digest@2026-…Z`)
    const ids = [...line.matchAll(/(\S+) \((email|thumbnails)\)/g)].map((m) => m[1]);
    const { createTaskQ } = await import("../mod.ts");
    const q = createTaskQ({ url: running.find((r) => r.child === child)!.url });
    for (const id of ids) expect((await q.task(id))?.status).toBe("starting");
    await q.close();
  });

  it("Node (npm start): answers only localhost, IP addresses and SOKKA_ALLOWED_HOSTS; SOKKA_ALLOWED_ORIGINS may write", async () => {
    const entry = /node (\S+)$/.exec(JSON.parse(readFileSync(`${root}package.json`, "utf8")).scripts.start)![1];
    const { base } = await start(process.execPath, [entry], {
      SOKKA_ALLOWED_HOSTS: "queue.example.com",
      SOKKA_ALLOWED_ORIGINS: "https://admin.example.com, https://ops.example.com",
    });
    const port = Number(new URL(base).port);
    const rebound = { host: `rebind.attacker.example:${port}`, origin: `http://rebind.attacker.example:${port}` };
    for (const [method, path] of [["GET", "/ui"], ["GET", "/tasks"], ["POST", "/topics/email/pause"]]) {
      const r = await rawRequest(port, method, path, { ...rebound, "sec-fetch-site": "same-origin" });
      expect([r.status, JSON.parse(r.body).error.code], `${method} ${path}`).toEqual([403, "host-not-allowed"]);
    }
    for (const host of [`queue.example.com:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]) {
      expect((await rawRequest(port, "GET", "/topics", { host })).status, host).toBe(200);
    }
    const paused = async () =>
      (await json(await fetch(`${base}/topics`))).body.data.find((t: any) => t.topic === "email")?.paused;
    const foreign = { host: `127.0.0.1:${port}`, "sec-fetch-site": "cross-site" };
    const evil = await rawRequest(port, "POST", "/topics/email/pause", { ...foreign, origin: "https://evil.example" });
    expect([evil.status, JSON.parse(evil.body).error.code]).toEqual([403, "cross-site-request"]);
    expect(await paused()).not.toBe(true);
    const ops = await rawRequest(port, "POST", "/topics/email/pause", {
      ...foreign,
      origin: "https://ops.example.com",
    });
    expect(ops.status).toBe(204);
    expect(await paused()).toBe(true);
    // a malformed entry: one line naming it, exit 2
    const db = tempDbUrl();
    try {
      const bad = spawnProcess(process.execPath, [entry], {
        cwd: root,
        env: { PORT: String(await freePort()), SOKKA_URL: db.url, SOKKA_ALLOWED_HOSTS: "http://queue.example.com" },
      });
      const out = await bad.exit;
      expect(out.code).toBe(2);
      expect(out.stderr.trim()).toMatch(/^sokkaRoutes: allowedHosts\.0 must be a host name such as/);
      expect(out.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      db.cleanup();
    }
  });

  it("Bun: Bun.serve takes a signup and the worker in the same process sends the mail", async () => {
    const { base, child } = await start(bin("bun"), ["examples/bun.ts"]);
    expect((await fetch(`${base}/sokka/ui`)).status).toBe(200);
    await refusesBadSignups(base);
    const created = await json(await post(`${base}/signup`, { email: "ada@example.com" }));
    expect(created.status).toBe(202);
    const task = await waitFor(
      async () => {
        const t = (await json(await fetch(`${base}/sokka/tasks/${created.body.taskId}`))).body;
        return t.status === "terminated" && t;
      },
      30_000,
      "the welcome email task to be terminated",
    );
    expect(task).toMatchObject({ topic: "welcome-email", data: { email: "ada@example.com" }, attempts: 1 });
    child.kill("SIGINT"); // Ctrl-C: the worker stops and the store closes, then it exits by itself
    expect((await child.exit).code).toBe(0);
  });

  it("Deno: Deno.serve takes a signup and the task waits for the cron's drain", async () => {
    const { base, child } = await start(bin("deno"), ["run", "-A", "examples/deno.ts"]);
    expect((await fetch(`${base}/sokka/ui`)).status).toBe(200);
    await refusesBadSignups(base);
    const created = await json(await post(`${base}/signup`, { email: "grace@example.com" }));
    expect(created.status).toBe(202);
    const task = await json(await fetch(`${base}/sokka/tasks/${created.body.taskId}`));
    expect(task.body).toMatchObject({
      status: "starting",
      topic: "welcome-email",
      data: { email: "grace@example.com" },
    });
    // the cron job was registered (Deno.cron throws at startup without --unstable-cron / "unstable": ["cron"])
    expect(await Promise.race([child.exit.then(() => "exited"), Promise.resolve("running")])).toBe("running");
  });

  it("Deno: one run of the example's cron job drains the signup", async () => {
    const db = tempDbUrl();
    try {
      const run = spawnProcess(bin("deno"), ["run", "-A", "test/fixtures/deno-cron-run.mjs"], {
        cwd: root,
        env: { SOKKA_URL: db.url },
      });
      const { code, stdout, stderr } = await run.exit;
      expect(code, stderr).toBe(0);
      const out = JSON.parse(stdout.trim().split("\n").pop()!);
      expect(out.signup).toBe(202);
      expect(out.result).toMatchObject({ reserved: 1, completed: 1, failed: 0, lost: 0 });
      expect(out.task).toMatchObject({ status: "terminated", attempts: 1, data: { email: "linus@example.com" } });
      expect(stdout).toContain("sent welcome email to linus@example.com");
    } finally {
      db.cleanup();
    }
  });
});

describe("Node without better-sqlite3 (not installed, or its install script not allowed)", () => {
  // the package made unresolvable in the child, as when it is not installed (node_modules stays as it is)
  const hide = ["--import", `${root}test/fixtures/without-better-sqlite3.mjs`];
  // the store falls back to the next library this Node has: node:sqlite (Node ≥ 22.13), else libsql and its warning
  const fallback = fileDrivers().find((d) => d !== "better-sqlite3")!;
  const warning = /^sokka: SQLite 3\.45\.1 \(through libsql\) carries the WAL-reset bug/m;
  const expectWarning = (stderr: string) =>
    fallback === "libsql" ? expect(stderr).toMatch(warning) : expect(stderr).not.toMatch(/^sokka: /m);

  it(`npm start falls back to ${fallback}, serves, and its workers finish demo tasks`, async () => {
    const entry = /node (\S+)$/.exec(JSON.parse(readFileSync(`${root}package.json`, "utf8")).scripts.start)![1];
    const { base, child } = await start(process.execPath, [...hide, entry]);
    expect((await fetch(`${base}/ui`)).status).toBe(200);
    await waitFor(
      async () => (await json(await fetch(`${base}/tasks?status=terminated`))).body.data.length > 0,
      30_000,
      "a demo task to be terminated",
    );
    child.kill("SIGINT");
    const { code, stderr } = await child.exit;
    expect(code, stderr).toBe(0);
    expectWarning(stderr);
  });

  it(`examples/quickstart.mjs falls back to ${fallback} and completes its task`, async () => {
    const dir = tempDir(); // the quickstart opens file:sokka.db in its working directory
    try {
      const run = spawnProcess(process.execPath, [...hide, `${root}examples/quickstart.mjs`], { cwd: dir.dir });
      const { code, stdout, stderr } = await run.exit;
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^completed \w+ \(terminated, recordVer \d+\)$/m);
      expectWarning(stderr);
    } finally {
      dir.cleanup();
    }
  });
});
