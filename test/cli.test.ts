/**
 * The `sokka` CLI as users run it: the real binary (dist/src/cli/bin.js under
 * Node; src/cli/bin.ts under Bun and Deno) in its own process, against a temp
 * `file:` database and the suite's sqld. Output is parsed (`--json`) and
 * checked against the store; bad arguments exit 2 with one line.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createTaskQ, type Task, type TaskQ } from "../mod.ts";
import { tempDbUrl, tempDir, waitFor } from "./helpers.ts";
import { spawnProcess } from "./processes.ts";
import { BIN, oneLine, root, sokka, sokkaJson } from "./cli-run.ts";

let db: ReturnType<typeof tempDbUrl>;
let env: Record<string, string>;
let taskq: TaskQ;
beforeEach(async () => {
  db = tempDbUrl();
  env = { SOKKA_URL: db.url };
  taskq = createTaskQ({ url: db.url });
  await taskq.createTask({ topic: "seed", taskId: "seed-1" }); // the database exists
});
afterEach(async () => {
  await taskq.close();
  db.cleanup();
});

describe("commands (Node, file: database)", () => {
  it("create, get, group, list: the printed JSON is what the store holds", async () => {
    const t = await sokkaJson<Task>([
      "create",
      "--topic",
      "email",
      "--data",
      '{"to":"a@example.com"}',
      "--group",
      "g1",
      "--priority",
      "-5",
      "--max-attempts",
      "3",
      "--delay",
      "1h",
      "--description",
      "first",
    ], env);
    expect(t).toMatchObject({ topic: "email", data: { to: "a@example.com" }, taskGroupId: "g1", priority: -5 });
    expect(t.maxAttempts).toBe(3);
    expect(t.runAt! - t.createdAt).toBe(3_600_000);
    expect(await taskq.task(t.taskId)).toEqual(t);

    expect(await sokkaJson<Task>(["get", t.taskId], env)).toEqual(t);
    const second = await sokkaJson<Task>(["create", "--topic", "email", "--group", "g1", "--id", "second"], env);
    expect((await sokkaJson<Task[]>(["group", "g1"], env)).map((x) => x.taskId).sort()).toEqual(
      [t.taskId, second.taskId].sort(),
    );
    const page = await sokkaJson<{ data: Task[]; cursor: string | null }>(
      ["list", "--topic", "email", "--limit", "1"],
      env,
    );
    expect(page.data).toHaveLength(1);
    expect(page.cursor).not.toBeNull();
    const next = await sokkaJson<{ data: Task[] }>(["list", "--topic", "email", "--cursor", page.cursor!], env);
    expect([...page.data, ...next.data].map((x) => x.taskId).sort()).toEqual([t.taskId, second.taskId].sort());
    expect((await sokkaJson<{ data: Task[] }>(["list", "--status", "starting", "--topic", "seed"], env)).data)
      .toHaveLength(1);
  });

  it("hold, release, cancel, retry, pause, resume, stats and prune act on the store", async () => {
    const id = "seed-1";
    expect((await sokkaJson<Task>(["hold", id], env)).status).toBe("held");
    expect((await taskq.task(id))!.status).toBe("held");
    expect((await sokkaJson<Task>(["release", id], env)).status).toBe("starting");
    const c = await sokkaJson<Task>(["cancel", id, "--reason", "not needed"], env);
    expect([c.status, c.error]).toEqual(["cancelled", "not needed"]);
    expect((await sokkaJson<Task>(["retry", id], env)).status).toBe("starting");

    expect(await sokkaJson(["pause", "seed"], env)).toEqual({ topic: "seed", paused: true });
    const info = await sokkaJson<{ driver: string; sqliteVersion: string }>(["info"], env);
    expect(info).toEqual(await taskq.storeInfo()); // the CLI (Node) opens the file as this test process does
    const stats = await sokkaJson<{ topic: string; paused: boolean; counts: Record<string, number> }[]>(["stats"], env);
    const direct = await taskq.topicStats();
    const timeless = (xs: typeof direct) => xs.map(({ oldestReadyAgeMs: _, ...rest }) => rest); // the age moves on
    expect(timeless(stats as typeof direct)).toEqual(timeless(direct));
    expect(stats.find((s) => s.topic === "seed")!.paused).toBe(true);
    expect(await sokkaJson(["resume", "seed"], env)).toEqual({ topic: "seed", paused: false });
    expect((await taskq.topicStats()).find((s) => s.topic === "seed")!.paused).toBe(false);

    await taskq.cancelTask(id);
    await taskq.createTask({ topic: "seed", taskId: "live" });
    expect(await sokkaJson(["prune", "--older-than", "0", "--status", "cancelled"], env)).toEqual({ deleted: 1 });
    expect(await taskq.task(id)).toBeNull();
    expect(await taskq.task("live")).not.toBeNull();
  });

  it("prune shows its progress batch by batch (--progress off a terminal)", async () => {
    const ts = await taskq.createTasks(Array.from({ length: 2500 }, () => ({ topic: "bulk" })));
    for (let i = 0; i < ts.length; i += 500) {
      await Promise.all(ts.slice(i, i + 500).map((t) => taskq.cancelTask(t.taskId)));
    }
    const r = await sokka(["prune", "--older-than", "0", "--batch-size", "1000", "--progress"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("deleting: 1,000 so far\ndeleting: 2,000 so far\ndeleting: 2,500 so far\n");
    expect(r.stdout).toBe("deleted 2,500 task(s)\n");
    expect(await taskq.countTasks({ topic: "bulk" })).toBe(0);
  });

  it("prints tables for people", async () => {
    const list = await sokka(["list"], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^TASK ID\s+TOPIC\s+STATUS\s+ATTEMPTS\s+UPDATED\s+DESCRIPTION\n/);
    expect(list.stdout).toMatch(/seed-1\s+seed\s+starting\s+0/);
    const stats = await sokka(["stats"], env);
    expect(stats.stdout).toMatch(/^TOPIC\s+PAUSED\s+STARTING\s+RUNNING/);
    const get = await sokka(["get", "seed-1"], env);
    expect(get.stdout).toMatch(/status\s+starting/);
    const prune = await sokka(["prune", "--older-than", "7d"], env);
    expect(prune.stdout).toBe("deleted 0 task(s)\n");
  });

  it("every command has --help; bad arguments exit 2 with one line; failures exit 1 with one line", async () => {
    const commands = [
      "create",
      "get",
      "group",
      "list",
      "cancel",
      "retry",
      "hold",
      "release",
      "pause",
      "resume",
      "prune",
      "stats",
      "serve",
      "work",
      "schedules",
      "scheduler",
    ];
    const top = await sokka(["--help"], env);
    expect(top.code).toBe(0);
    for (const c of commands) expect(top.stdout).toContain(`  ${c}`);
    for (const c of commands) {
      const r = await sokka([c, "--help"], env);
      expect([r.code, r.stdout.split("\n")[0]], c).toEqual([
        0,
        expect.stringMatching(new RegExp(`^Usage: sokka ${c}`)),
      ]);
    }
    for (
      const args of [
        ["frobnicate"],
        ["list", "--bogus"],
        ["create"], // --topic is required
        ["create", "--topic", "t", "--priority", "high"],
        ["create", "--topic", "t", "--data", "{not json"],
        ["create", "--topic", "t", "--max-attempts", "0"], // the store refuses it
        ["list", "--status", "done"],
        ["prune", "--older-than", "a while"],
        ["get"],
        // names with a control character or outer whitespace: refused by the store, by field, in one line
        ["create", "--topic", "t\nx"],
        ["create", "--topic", "   "],
        ["create", "--topic", "t", "--id", "a\tb"],
        ["create", "--topic", "t", "--sub-topic", "s\u202e"],
        ["get", "a\r\nb"],
        ["cancel", " seed-1"],
        ["pause", "t\u2028"],
        ["list", "--topic", "t\x1b[31m"],
      ]
    ) {
      const r = await sokka(args, env);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      oneLine(r);
    }
    expect(await taskq.countTasks({ topic: "t" })).toBe(0); // nothing was created by the refused calls
    expect((await taskq.topicStats()).map((s) => [s.topic, s.paused])).toEqual([["seed", false]]);
    expect((await taskq.task("seed-1"))!.status).toBe("starting");
    const named = await sokka(["create", "--topic", "t", "--id", "a\tb"], env);
    expect(named.stderr).toBe("sokka: createTask: taskId must not contain a control character (U+0009 at index 1)\n");

    const missing = await sokka(["get", "nope"], env);
    expect([missing.code, missing.stderr]).toEqual([1, "sokka: no task nope\n"]);
    const refused = await sokka(["release", "seed-1"], env); // it is not held
    expect(refused.code).toBe(1);
    oneLine(refused);
    const noDb = await sokka(["list"], { SOKKA_URL: `file:${db.path}.missing` });
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toBe(
      `sokka: no database at ${db.path}.missing (file:${db.path}.missing); pass --url or set SOKKA_URL\n`,
    );
    const badUrl = await sokka(["list", "--url", "nope://x"], {});
    expect(badUrl.code).toBe(2);
    oneLine(badUrl);
  }, 180_000);
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
/** One request over node:http, which sends the `Host` it is given (fetch may not). */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("long-running commands", () => {
  it("serve answers the API and the dashboard on the user's database, and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = spawnProcess("node", [BIN, "serve", "--port", String(port)], { env });
    const base = `http://127.0.0.1:${port}`;
    const ui = await until("the dashboard", async () => {
      const r = await fetch(`${base}/ui`);
      return r.ok ? r : undefined;
    });
    expect(await ui.text()).toContain("seed");
    const created = await fetch(`${base}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "web", taskId: "from-http" }),
    });
    expect(created.status).toBe(201);
    expect((await taskq.task("from-http"))?.topic).toBe("web");
    child.kill("SIGTERM");
    expect((await child.exit).code).toBe(0);
  });

  it("serve answers only the names it serves: a rebinding Host is refused; --allowed-host and --allowed-origin widen it", async () => {
    const port = await freePort();
    const child = spawnProcess("node", [
      BIN,
      "serve",
      "--port",
      String(port),
      "--allowed-host",
      "queue.example.com",
      "--allowed-origin",
      "https://admin.example.com",
    ], { env });
    try {
      await until("the server", async () => (await fetch(`http://127.0.0.1:${port}/topics`)).ok || undefined);
      const at = (method: string, path: string, headers: Record<string, string>) =>
        rawRequest(port, method, path, headers);
      // a page on a name rebound to 127.0.0.1: same-origin to the browser, refused by its Host
      const rebound = { host: `rebind.attacker.example:${port}`, origin: `http://rebind.attacker.example:${port}` };
      for (const [method, path] of [["GET", "/tasks"], ["GET", "/ui"], ["POST", "/topics/seed/pause"]]) {
        const r = await at(method, path, { ...rebound, "sec-fetch-site": "same-origin" });
        expect([r.status, JSON.parse(r.body).error.code], `${method} ${path}`).toEqual([403, "host-not-allowed"]);
      }
      // a page of another site: refused; of the allowed origin: a write
      const foreign = { host: `localhost:${port}`, "sec-fetch-site": "cross-site" };
      const evil = await at("POST", "/topics/seed/pause", { ...foreign, origin: "https://evil.example" });
      expect([evil.status, JSON.parse(evil.body).error.code]).toEqual([403, "cross-site-request"]);
      expect((await taskq.topicStats()).find((s) => s.topic === "seed")?.paused).toBe(false);
      for (const host of [`queue.example.com:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]) {
        expect((await at("GET", "/tasks/seed-1", { host })).status, host).toBe(200);
      }
      const admin = await at("POST", "/topics/seed/pause", { ...foreign, origin: "https://admin.example.com" });
      expect(admin.status).toBe(204);
      expect((await taskq.topicStats()).find((s) => s.topic === "seed")?.paused).toBe(true);
    } finally {
      child.kill("SIGTERM");
      await child.exit;
    }
  });

  it("serve: a bad port, address, host name or origin exits 2 with one line, before opening the database", async () => {
    const url = `file:${db.path}.never`;
    for (
      const [args, extra] of [
        [["--port", "99999"], {}],
        [["--port", "0"], {}],
        [["--port", "80a"], {}],
        [[], { PORT: "99999" }],
        [["--host", "bad/host"], {}],
        [["--allowed-host", "https://queue.example.com"], {}],
        [["--allowed-host", "queue.example.com:8787"], {}],
        [["--allowed-origin", "https://admin.example.com/path"], {}],
        [["--allowed-origin", "admin.example.com"], {}],
      ] as [string[], Record<string, string>][]
    ) {
      const r = await sokka(["serve", ...args], { SOKKA_URL: url, ...extra });
      expect(r.code, `${args.join(" ")} ${JSON.stringify(extra)}: ${r.stderr}`).toBe(2);
      oneLine(r);
    }
    expect(existsSync(`${db.path}.never`)).toBe(false);
  });

  it("work runs a handler module's tasks and stops gracefully on SIGTERM", async () => {
    const dir = tempDir("sokka-cli-work-");
    try {
      const handler = `${dir.dir}/handler.mjs`;
      writeFileSync(
        handler,
        `import { ok } from ${
          JSON.stringify(`${root}dist/mod.js`)
        };\nexport default async (task) => ok({ doubled: task.data.n * 2 });\n`,
      );
      await taskq.createTasks([1, 2, 3].map((n) => ({ topic: "math", taskId: `m${n}`, data: { n } })));
      const child = spawnProcess("node", [
        BIN,
        "work",
        "--topic",
        "math",
        "--handler",
        handler,
        "--concurrency",
        "2",
        "--json",
      ], {
        env,
      });
      for (const n of [1, 2, 3]) await child.printed(`{"event":"completed","taskId":"m${n}"}`);
      child.kill("SIGTERM");
      expect((await child.exit).code).toBe(0);
      for (const n of [1, 2, 3]) {
        const t = await taskq.task(`m${n}`);
        expect([t!.status, t!.result]).toEqual(["terminated", { doubled: n * 2 }]);
      }
      const none = await sokka(["work", "--topic", "math", "--handler", `${dir.dir}/absent.mjs`], env);
      expect(none.code).toBe(2);
      oneLine(none);
    } finally {
      dir.cleanup();
    }
  });
});

describe("what the CLI says of itself and of a worker's tasks (issue 27, item 8)", () => {
  it("--version prints the version package.json, jsr.json and deno.json give", async () => {
    const r = await sokka(["--version"], env);
    expect(r.code).toBe(0);
    for (const file of ["package.json", "jsr.json", "deno.json"]) {
      expect(r.stdout.trim(), file).toBe(JSON.parse(readFileSync(`${root}${file}`, "utf8")).version);
    }
  });

  it("create takes --timeout and --backoff, and its help says what --max-attempts defaults to", async () => {
    const t = await sokkaJson<Task>(
      ["create", "--topic", "email", "--timeout", "5m", "--backoff", '{"type":"fixed","delayMs":5000}'],
      env,
    );
    expect([t.timeoutMs, t.backoff, t.maxAttempts]).toEqual([300_000, { type: "fixed", delayMs: 5000 }, null]);
    const bad = await sokka(["create", "--topic", "email", "--backoff", '{"type":"fixed"}'], env);
    expect(bad.code).toBe(2);
    oneLine(bad);
    expect(bad.stderr).toMatch(/backoff/);
    const help = (await sokka(["create", "--help"], env)).stdout.replace(/\s+/g, " ");
    expect(help).not.toMatch(/\(default 1\)/);
    expect(help).toMatch(
      /--max-attempts <n> failed attempts allowed, 1 to 10000 \(default: its worker's --max-attempts, else 1\)/,
    );
  });

  it("list's help says the order it lists in (status by status), not 'most recently updated first'", async () => {
    const help = (await sokka(["list", "--help"], env)).stdout.replace(/\s+/g, " ");
    expect(help).not.toMatch(/most recently updated|by last update"/);
    expect(help).toMatch(/status by status/);
    await taskq.createTask({ topic: "seed", taskId: "seed-2" });
    await taskq.cancelTask("seed-1");
    const listed = await sokkaJson<{ data: Task[] }>(["list", "--topic", "seed"], env);
    expect(listed.data.map((t) => t.status)).toEqual(["starting", "cancelled"]); // status by status, as it says
  });

  it("work prints a failure with its error, and lease-lost and released events", async () => {
    const dir = tempDir("sokka-cli-events-");
    try {
      const handler = `${dir.dir}/handler.mjs`;
      writeFileSync(
        handler,
        `import { failed, ok } from ${JSON.stringify(`${root}dist/mod.js`)};
export default (task, { signal }) => task.data === "fail" ? failed("the recipient is unknown")
  : new Promise((done) => signal.addEventListener("abort", () => done(ok())));
`,
      );
      await taskq.createTask({ topic: "ev", taskId: "f1", data: "fail" });
      const child = spawnProcess("node", [
        BIN,
        "work",
        "--topic",
        "ev",
        "--handler",
        handler,
        "--concurrency",
        "4",
        "--lease-time",
        "1s", // keepalives come often: the lost lease is found soon
        "--json",
      ], { env });
      await child.printed(`{"event":"failed","taskId":"f1","error":"the recipient is unknown"}`);
      await taskq.createTask({ topic: "ev", taskId: "lost", data: "wait" });
      await waitFor(async () => (await taskq.task("lost"))!.status === "running", 10_000, "lost running");
      const running = (await taskq.task("lost"))!;
      await taskq.revokeLease("lost", running.recordVer); // the worker's lease is gone
      await child.printed(`{"event":"lease-lost","taskId":"lost","error":`);
      await taskq.createTask({ topic: "ev", taskId: "held", data: "wait" });
      await waitFor(async () => (await taskq.task("held"))!.status === "running", 10_000, "held running");
      // the first SIGTERM waits for running tasks (these never end), a second one hands them back; two sent at
      // once may reach the process as one, so send until the hand-back is printed
      let released = false;
      void child.printed(`{"event":"released","taskId":"held"}`).then(() => (released = true), () => {});
      await waitFor(() => (released || child.kill("SIGTERM"), released), 10_000, "released printed");
      expect((await child.exit).code).toBe(0);
    } finally {
      dir.cleanup();
    }
  });
});

describe("other databases and runtimes", () => {
  it("against sqld through --url: every command that reads or acts on tasks", async () => {
    const url = inject("remoteUrl");
    const topic = `cli-${Date.now()}`;
    const at = (...args: string[]) => sokkaJson<any>([...args, "--url", url], {});
    const t = await at("create", "--topic", topic, "--group", `${topic}-g`);
    expect((await at("get", t.taskId)).taskId).toBe(t.taskId);
    expect((await at("group", `${topic}-g`)).map((x: Task) => x.taskId)).toEqual([t.taskId]);
    expect((await at("list", "--topic", topic)).data.map((x: Task) => x.taskId)).toEqual([t.taskId]);
    expect((await at("hold", t.taskId)).status).toBe("held");
    expect((await at("release", t.taskId)).status).toBe("starting");
    expect((await at("cancel", t.taskId)).status).toBe("cancelled");
    expect((await at("retry", t.taskId)).status).toBe("starting");
    expect(await at("pause", topic)).toEqual({ topic, paused: true });
    expect((await at("stats")).find((s: { topic: string }) => s.topic === topic).paused).toBe(true);
    expect(await at("resume", topic)).toEqual({ topic, paused: false });
    await at("cancel", t.taskId);
    expect(await at("prune", "--older-than", "0", "--topic", topic)).toEqual({ deleted: 1 });
  });

  for (const runtime of ["bun", "deno"] as const) {
    it(`under ${runtime}: create, then list as JSON`, async () => {
      const made = await sokka(["create", "--topic", runtime, "--json"], env, runtime);
      expect(made.code, made.stderr).toBe(0);
      const t = JSON.parse(made.stdout) as Task;
      const listed = await sokka(["list", "--topic", runtime, "--json"], env, runtime);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { data: Task[] }).data.map((x) => x.taskId)).toEqual([t.taskId]);
      const bad = await sokka(["list", "--bogus"], env, runtime);
      expect(bad.code).toBe(2);
    }, 60_000);
  }
});
