/**
 * `sokka schedules …` and `sokka scheduler` as users run them: the real
 * binary (dist/src/cli/bin.js under Node; src/cli/bin.ts under Bun and
 * Deno) in its own process, against a temp `file:` database and the suite's
 * sqld. The test's own store defines schedules on a database clock set days
 * back (a TestClock), so their slots are due at once for the binary, which
 * runs on the real clock: no waiting for a slot to come.
 */
import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createTaskQ, type FireResult, type Page, type Schedule, type TaskQ, TestClock } from "../mod.ts";
import { tempDbUrl, tempDir, uniq } from "./helpers.ts";
import { spawnProcess } from "./processes.ts";
import { BIN, oneLine, sokka, sokkaJson } from "./cli-run.ts";

const DAY = 86_400_000;

let db: ReturnType<typeof tempDbUrl>;
let env: Record<string, string>;
let taskq: TaskQ;
/** The test's store on a clock 3 days back: the schedules it defines have their next slot in the real past. */
let behind: TaskQ;
beforeEach(async () => {
  db = tempDbUrl();
  env = { SOKKA_URL: db.url };
  taskq = createTaskQ({ url: db.url });
  behind = createTaskQ({ url: db.url, clock: new TestClock(-3 * DAY) });
  await taskq.createTask({ topic: "seed", taskId: "seed-1" }); // the database exists
});
afterEach(async () => {
  await behind.close();
  await taskq.close();
  db.cleanup();
});

describe("sokka schedules (Node, file: database)", () => {
  it(
    "set (from options, or a file with options over it), show, list, pause, resume, delete: the printed JSON is what the store holds",
    async () => {
      const s = await sokkaJson<Schedule>([
        "schedules",
        "set",
        "nightly",
        "--cron",
        "30 1 * * *",
        "--topic",
        "reports",
        "--timezone",
        "Europe/London",
        "--data",
        '{"kind":"daily"}',
        "--sub-topic",
        "eu",
        "--description",
        "the nightly report",
        "--priority",
        "-2",
        "--max-attempts",
        "3",
        "--backoff",
        '{"type":"fixed","delayMs":5000}',
        "--timeout",
        "5m",
        "--overlap",
        "skip",
        "--backfill",
        "6h",
      ], env);
      expect(s).toMatchObject({
        name: "nightly",
        cron: "30 1 * * *",
        timezone: "Europe/London",
        topic: "reports",
        subTopic: "eu",
        taskDescription: "the nightly report",
        data: { kind: "daily" },
        priority: -2,
        maxAttempts: 3,
        backoff: { type: "fixed", delayMs: 5000 },
        timeoutMs: 300_000,
        overlap: "skip",
        backfillMs: 21_600_000,
        paused: false,
        version: 1,
      });
      expect(await taskq.getSchedule("nightly")).toEqual(s);
      expect(await sokkaJson<Schedule>(["schedules", "show", "nightly"], env)).toEqual(s);

      // a file, an option written over it; created paused
      const dir = tempDir("sokka-cli-schedules-");
      try {
        const file = `${dir.dir}/hourly.json`;
        writeFileSync(file, JSON.stringify({ name: "hourly", cron: "@hourly", topic: "pings", data: [1, 2] }));
        const h = await sokkaJson<Schedule>(
          ["schedules", "set", "hourly", "--file", file, "--topic", "pongs", "--paused"],
          env,
        );
        expect(h).toMatchObject({ cron: "@hourly", topic: "pongs", data: [1, 2], paused: true });
        // replaced: still paused unless told (--no-paused)
        const again = await sokkaJson<Schedule>(["schedules", "set", "hourly", "--file", file], env);
        expect([again.topic, again.paused, again.version]).toEqual(["pings", true, 2]);
        const active = await sokkaJson<Schedule>(["schedules", "set", "hourly", "--file", file, "--no-paused"], env);
        expect(active.paused).toBe(false);
      } finally {
        dir.cleanup();
      }

      const all = await sokkaJson<{ data: Schedule[] }>(["schedules", "list"], env);
      expect(all).toEqual({ data: await taskq.listSchedules() });
      expect(all.data.map((x) => x.name)).toEqual(["hourly", "nightly"]);
      const some = await sokkaJson<{ data: Schedule[] }>(["schedules", "list", "--topic", "reports"], env);
      expect(some.data.map((x) => x.name)).toEqual(["nightly"]);

      expect((await sokkaJson<Schedule>(["schedules", "pause", "nightly"], env)).paused).toBe(true);
      expect((await taskq.getSchedule("nightly"))!.paused).toBe(true);
      expect((await sokkaJson<Schedule>(["schedules", "resume", "nightly"], env)).paused).toBe(false);
      expect(await sokkaJson(["schedules", "delete", "nightly"], env)).toEqual({ name: "nightly", deleted: true });
      expect(await taskq.getSchedule("nightly")).toBeNull();

      for (const args of [["show", "nightly"], ["delete", "nightly"], ["pause", "nightly"], ["resume", "nightly"]]) {
        const r = await sokka(["schedules", ...args], env);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(1);
        oneLine(r);
        expect(r.stderr).toMatch(/nightly/);
      }
    },
    180_000,
  );

  it("fire makes exactly the due slots' tasks (only the topics given); list --schedule lists them; tables for people", async () => {
    await behind.schedule({ name: "daily", cron: "0 0 * * *", topic: "reports", backfillMs: 5 * DAY });
    await behind.schedule({ name: "other", cron: "0 0 * * *", topic: "other" });
    const first = await sokkaJson<FireResult>(["schedules", "fire", "--topic", "reports", "elsewhere"], env);
    expect(first.fired).toBe(3); // the midnights of the last 3 days, all in the backfill window
    expect((await taskq.getSchedule("other"))!.lastSlotAt).toBeNull();
    expect((await sokkaJson<FireResult>(["schedules", "fire"], env)).fired).toBe(1); // "other": the latest only
    expect((await sokkaJson<FireResult>(["schedules", "fire"], env)).fired).toBe(0); // nothing twice

    const page = await sokkaJson<Page>(["list", "--schedule", "daily"], env);
    expect(page.data).toHaveLength(3);
    for (const t of page.data) {
      expect(t.scheduleName).toBe("daily");
      expect(t.taskId).toBe(`daily@${new Date(t.slotAt!).toISOString().replace(".000Z", "Z")}`);
    }
    expect(new Set(page.data.map((t) => t.slotAt)).size).toBe(3);

    const table = await sokka(["schedules", "list"], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+TOPIC\s+CRON\s+TIMEZONE\s+PAUSED\s+NEXT SLOT\s+LAST SLOT\s+LAST TASK\n/);
    expect(table.stdout).toMatch(/daily\s+reports\s+0 0 \* \* \*\s+UTC\s+\d{4}-/);
    const show = await sokka(["schedules", "show", "daily"], env);
    expect(show.stdout).toMatch(/lastTaskId\s+daily@/);
    const fire = await sokka(["schedules", "fire"], env);
    expect(fire.stdout).toMatch(/^fired 0 task\(s\); next slot \d{4}-/);
  });

  it("every schedules command has --help", async () => {
    const top = await sokka(["--help"], env);
    for (const c of ["schedules", "scheduler"]) expect(top.stdout).toContain(`  ${c}`);
    const group = await sokka(["schedules", "--help"], env);
    for (const c of ["list", "show", "set", "delete", "pause", "resume", "fire"]) {
      expect(group.stdout).toContain(`  ${c}`);
      const r = await sokka(["schedules", c, "--help"], env);
      expect([r.code, r.stdout.split("\n")[0]], c).toEqual([0, expect.stringMatching(`^Usage: sokka schedules ${c}`)]);
    }
    const help = (await sokka(["schedules", "set", "--help"], env)).stdout.replace(/\s+/g, " ");
    expect(help).toMatch(/--backfill <duration>/);
    expect((await sokka(["scheduler", "--help"], env)).stdout).toMatch(/^Usage: sokka scheduler/);
  }, 60_000);

  it("bad arguments exit 2 with one line and write nothing", async () => {
    const dir = tempDir("sokka-cli-schedules-");
    try {
      const other = `${dir.dir}/other.json`;
      writeFileSync(other, JSON.stringify({ name: "other", cron: "@daily", topic: "t" }));
      const notJson = `${dir.dir}/bad.json`;
      writeFileSync(notJson, "{cron:");
      const base = ["schedules", "set", "s", "--topic", "t"];
      const refused = [
        ["schedules", "frobnicate"],
        [...base, "--cron", "61 * * * *"], // the store refuses it, naming cron
        [...base], // no cron
        [...base, "--cron", "@daily", "--timezone", "Mars/Olympus_Mons"],
        [...base, "--cron", "@daily", "--overlap", "sometimes"],
        [...base, "--cron", "@daily", "--priority", "high"],
        [...base, "--cron", "@daily", "--data", "{not json"],
        [...base, "--cron", "@daily", "--backfill", "a while"],
        [...base, "--cron", "@daily", "--backfill", "8d"],
        [...base, "--cron", "@daily", "--bogus"],
        ["schedules", "set", "s", "--file", `${dir.dir}/absent.json`],
        ["schedules", "set", "s", "--file", other],
        ["schedules", "set", "s", "--file", notJson],
        ["schedules", "set", " s", "--cron", "@daily", "--topic", "t"],
        ["schedules", "show", "a\nb"],
        ["schedules", "delete", "a\u202eb"],
        ["schedules", "fire", "--topic", "t\x1b[31m"],
        ["schedules", "list", "--topic", "   "],
        ["list", "--schedule", "a\tb"],
        ["scheduler", "--topic", "t\n"],
        ["scheduler", "--bogus"],
      ];
      // at once: none of them writes
      const runs = await Promise.all(refused.map((args) => sokka(args, env)));
      runs.forEach((r, i) => {
        expect(r.code, `${refused[i].join(" ")}: ${r.stderr}`).toBe(2);
        oneLine(r);
      });
    } finally {
      dir.cleanup();
    }
    expect(await taskq.listSchedules()).toEqual([]);
    const cron = await sokka(["schedules", "set", "s", "--topic", "t", "--cron", "61 * * * *"], env);
    expect(cron.stderr).toBe("sokka: schedule: cron is not a valid cron expression: Invalid value for minute: 61\n");
  }, 60_000);
});

describe("sokka scheduler", () => {
  it("fires the due slots of its topics until SIGTERM, then exits 0", async () => {
    await behind.schedule({ name: "mine", cron: "0 0 * * *", topic: "reports" });
    await behind.schedule({ name: "theirs", cron: "0 0 * * *", topic: "elsewhere" });
    const child = spawnProcess("node", [BIN, "scheduler", "--topic", "reports", "--json"], { env });
    await child.printed(`{"event":"fired","fired":1,`);
    child.kill("SIGTERM");
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toMatch(/^sokka: firing the schedules of reports; Ctrl-C stops\n/);
    expect((await taskq.listTasks({ schedule: "mine" })).data.map((t) => t.scheduleName)).toEqual(["mine"]);
    expect((await taskq.listTasks({ schedule: "theirs" })).data).toEqual([]);
  });
});

describe("other databases and runtimes", () => {
  it("against sqld through --url: set, show, list, fire, delete", async () => {
    const url = inject("remoteUrl");
    const name = uniq("cli-schedule");
    const topic = uniq("cli-schedules");
    const at = (...args: string[]) => sokkaJson<any>([...args, "--url", url], {});
    const s = await at("schedules", "set", name, "--cron", "@yearly", "--topic", topic);
    expect((await at("schedules", "show", name)).version).toBe(s.version);
    expect((await at("schedules", "list", "--topic", topic)).data.map((x: Schedule) => x.name)).toEqual([name]);
    expect((await at("schedules", "fire", "--topic", topic)).fired).toBe(0);
    expect((await at("schedules", "pause", name)).paused).toBe(true);
    expect(await at("schedules", "delete", name)).toEqual({ name, deleted: true });
  });

  for (const runtime of ["bun", "deno"] as const) {
    it(`under ${runtime}: set a schedule, then list it as JSON`, async () => {
      const made = await sokka(
        ["schedules", "set", runtime, "--cron", "@daily", "--topic", "t", "--json"],
        env,
        runtime,
      );
      expect(made.code, made.stderr).toBe(0);
      expect((JSON.parse(made.stdout) as Schedule).name).toBe(runtime);
      const listed = await sokka(["schedules", "list", "--json"], env, runtime);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { data: Schedule[] }).data.map((x) => x.name)).toEqual([runtime]);
      const bad = await sokka(["schedules", "set", runtime, "--cron", "nope", "--topic", "t"], env, runtime);
      expect(bad.code).toBe(2);
    }, 60_000);
  }
});
