/**
 * `sokka create` with a unique key or dependencies, `sokka dependencies`,
 * `sokka dependants`, `sokka seal` and `sokka follow-up` as users run them:
 * the real binary (dist/src/cli/bin.js under Node; src/cli/bin.ts under Bun
 * and Deno) in its own process, against a temp `file:` database and the
 * suite's sqld. Printed JSON is checked against the store; bad arguments
 * exit 2 with one line and write nothing.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createTaskQ, type Enqueued, type Page, type Task, type TaskQ } from "../mod.ts";
import { tempDbUrl, uniq } from "./helpers.ts";
import { oneLine, type Run, sokka, sokkaJson } from "./cli-run.ts";

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

/** A run that exited 0, its stdout parsed. */
function parsed<T>(r: Run): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe("sokka create: unique keys and dependencies (Node, file: database)", () => {
  it("--unique-key: created, then the holder printed and the deduplication said (stderr with --json); --on-duplicate error exits 1", async () => {
    const first = await sokka(["create", "--topic", "sync", "--unique-key", "user-42", "--data", "1", "--json"], env);
    const t = parsed<Task>(first);
    expect(first.stderr).toBe("");
    expect(t).toMatchObject({ topic: "sync", uniqueKey: "user-42", unique: "active", data: 1 });
    expect(await taskq.task(t.taskId)).toEqual(t);

    const again = await sokka(["create", "--topic", "sync", "--unique-key", "user-42", "--data", "2", "--json"], env);
    expect(parsed<Task>(again)).toEqual(t); // the holder, as POST /tasks answers it (with 200)
    expect(again.stderr).toBe(
      `sokka: deduplicated: task ${t.taskId} holds uniqueKey user-42 of topic sync; nothing was created\n`,
    );
    const people = await sokka(["create", "--topic", "sync", "--unique-key", "user-42"], env);
    expect(people.code, people.stderr).toBe(0);
    expect(people.stdout).toMatch(/uniqueKey\s+user-42\n/);
    expect(people.stdout).toMatch(new RegExp(`\\ndeduplicated: task ${t.taskId} holds uniqueKey user-42 `));
    const created = await sokka(["create", "--topic", "other", "--unique-key", "user-42"], env);
    expect(created.stdout).toMatch(/\ncreated task \S+\n$/);

    const refused = await sokka(
      ["create", "--topic", "sync", "--unique-key", "user-42", "--on-duplicate", "error"],
      env,
    );
    expect(refused.code).toBe(1);
    oneLine(refused);
    expect(refused.stderr).toContain(t.taskId);
    expect(await taskq.countTasks({ topic: "sync" })).toBe(1);
  });

  it("--unique queued, --unique-period and --debounce with --max-wait give the policies; a debounce's holder takes the new data", async () => {
    const queued = await sokkaJson<Task>(["create", "--topic", "q", "--unique-key", "k", "--unique", "queued"], env);
    expect(queued.unique).toBe("queued");
    const period = await sokkaJson<Task>(["create", "--topic", "p", "--unique-key", "k", "--unique-period", "1h"], env);
    expect(period.unique).toEqual({ periodMs: 3_600_000 });
    const args = ["create", "--topic", "d", "--unique-key", "k", "--debounce", "5m", "--max-wait", "1h"];
    const first = await sokkaJson<Task>([...args, "--data", '"a"'], env);
    expect(first.unique).toEqual({ debounceMs: 300_000, maxWaitMs: 3_600_000 });
    expect(first.runAt! - first.createdAt).toBe(300_000);
    const second = await sokka([...args, "--data", '"b"', "--json"], env);
    expect(parsed<Task>(second)).toMatchObject({ taskId: first.taskId, data: "b" });
    expect(second.stderr).toMatch(/^sokka: deduplicated: .* it took the new data and runs at \d{4}-/);
    expect(await taskq.countTasks({ topic: "d" })).toBe(1);
  });

  it("--depends-on makes it blocked (listed by list --status blocked); dependencies and dependants page as list does", async () => {
    for (const id of ["d1", "d2", "d3"]) await taskq.createTask({ topic: "part", taskId: id });
    const sum = await sokkaJson<Task>(
      [
        "create",
        "--topic",
        "sum",
        "--id",
        "sum",
        "--depends-on",
        "d3",
        "d1",
        "d2",
        "--on-dependency-failure",
        "cancel",
      ],
      env,
    );
    expect(sum).toMatchObject({ status: "blocked", onDependencyFailure: "cancel" });
    expect(sum.dependsOn.map((d) => d.taskId)).toEqual(["d3", "d1", "d2"]);
    const blocked = await sokkaJson<Page>(["list", "--status", "blocked"], env);
    expect(blocked.data.map((t) => t.taskId)).toEqual(["sum"]);

    const t = await taskq.reserveTask("part", "w");
    await taskq.terminate(t!.taskId, "w", { leaseId: t!.leaseId!, result: { n: 1 } });
    const page = await sokkaJson<Page>(["dependencies", "sum", "--limit", "2"], env);
    expect(page).toEqual(await taskq.dependencies("sum", { limit: 2 }));
    expect(page.data.map((x) => x.taskId)).toEqual(["d1", "d2"]);
    const next = await sokkaJson<Page>(["dependencies", "sum", "--limit", "2", "--cursor", page.cursor!], env);
    expect(next.data.map((x) => x.taskId)).toEqual(["d3"]);
    expect(next.cursor).toBeNull();
    expect((await sokkaJson<Page>(["dependants", "d2"], env)).data.map((x) => x.taskId)).toEqual(["sum"]);
    expect(await sokkaJson<Page>(["dependants", "sum"], env)).toEqual({ data: [], cursor: null, prevCursor: null });

    const table = await sokka(["dependencies", "sum", "--limit", "2"], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^TASK ID\s+TOPIC\s+STATUS\s+UPDATED\s+RESULT\n/);
    expect(table.stdout).toMatch(new RegExp(`${t!.taskId}\\s+part\\s+terminated\\s+\\S+\\s+\\{"n":1\\}\\n`));
    expect(table.stdout).toMatch(/\nnext page: --cursor \S+\n$/);
    const get = await sokka(["get", "sum"], env);
    expect(get.stdout).toMatch(/dependsOn\s+d3 \(starting\), d1 \(\w+\), d2 \(\w+\)/);
    expect(get.stdout).toMatch(/onDependencyFailure\s+cancel/);

    for (const side of ["dependencies", "dependants"]) {
      const none = await sokka([side, "nope"], env);
      expect([none.code, none.stderr], side).toEqual([1, "sokka: no task nope\n"]);
    }
  });
});

describe("sokka seal and sokka follow-up", () => {
  it("seal creates the follow-up once (again: the same one, deduplicated); follow-up prints it; both refuse what is not there", async () => {
    const none = await sokka(["follow-up", "album"], env);
    expect([none.code, none.stderr]).toEqual([1, "sokka: group album has no follow-up: it is not sealed\n"]);
    const empty = await sokka(["seal", "album", "--topic", "notify"], env);
    expect(empty.code).toBe(1);
    oneLine(empty);
    expect(empty.stderr).toMatch(/album.*no tasks/);

    await taskq.createTasks([1, 2].map((n) => ({ topic: "resize", taskId: `img${n}`, taskGroupId: "album" })));
    const sealed = await sokkaJson<Enqueued>(
      ["seal", "album", "--topic", "notify", "--id", "done", "--data", '{"album":7}', "--priority", "-1"],
      env,
    );
    expect(sealed).toMatchObject({
      deduplicated: false,
      task: { taskId: "done", status: "blocked", followUpOf: "album", data: { album: 7 }, priority: -1 },
    });
    expect(sealed.task.onDependencyFailure).toBe("run");
    expect(await taskq.groupFollowUp("album")).toEqual(sealed.task);
    const again = await sokkaJson<Enqueued>(["seal", "album", "--topic", "other"], env);
    expect(again).toEqual({ task: sealed.task, deduplicated: true });
    expect(await sokkaJson<Task>(["follow-up", "album"], env)).toEqual(sealed.task);
    const deps = await sokkaJson<Page>(["dependencies", "done"], env);
    expect(deps.data.map((t) => t.taskId)).toEqual(["img1", "img2"]);

    const people = await sokka(["seal", "album", "--topic", "other"], env);
    expect(people.stdout).toMatch(/followUpOf\s+album\n/);
    expect(people.stdout).toMatch(
      /\ngroup album was sealed already: its follow-up is task done; nothing was created\n$/,
    );
    const shown = await sokka(["follow-up", "album"], env);
    expect(shown.stdout).toMatch(/taskId\s+done\n/);
    await taskq.createTask({ topic: "t", taskGroupId: "fresh" });
    const made = await sokka(["seal", "fresh", "--topic", "n"], env);
    expect(made.stdout).toMatch(/\nsealed group fresh: follow-up task \S+\n$/);
  });
});

describe("help and refusals", () => {
  it("each new command has --help; create's help names its new options", async () => {
    const top = await sokka(["--help"], env);
    for (const c of ["dependencies", "dependants", "seal", "follow-up"]) {
      expect(top.stdout).toContain(`  ${c}`);
      const r = await sokka([c, "--help"], env);
      expect([r.code, r.stdout.split("\n")[0]], c).toEqual([0, expect.stringMatching(`^Usage: sokka ${c}`)]);
    }
    const help = (await sokka(["create", "--help"], env)).stdout.replace(/\s+/g, " ");
    for (
      const o of [
        "--unique-key <key>",
        "--unique <policy>",
        "--unique-period <duration>",
        "--debounce <duration>",
        "--max-wait <duration>",
        "--on-duplicate <what>",
        "--depends-on <taskId...>",
        "--on-dependency-failure <policy>",
      ]
    ) expect(help).toContain(o);
    expect((await sokka(["seal", "--help"], env)).stdout.replace(/\s+/g, " ")).toMatch(
      /--on-dependency-failure <policy> .*default run/,
    );
  }, 60_000);

  it("bad arguments exit 2 with one line and write nothing", async () => {
    await taskq.createTask({ topic: "t0", taskId: "g-1", taskGroupId: "g" });
    const before = JSON.stringify((await taskq.listTasks({}, { limit: 1000 })).data);
    const refused = [
      ["create", "--topic", "t", "--unique", "sometimes"],
      ["create", "--topic", "t", "--unique-key", "k", "--unique", "queued", "--debounce", "5s"],
      ["create", "--topic", "t", "--unique-key", "k", "--unique-period", "1h", "--debounce", "5s"],
      ["create", "--topic", "t", "--unique-key", "k", "--max-wait", "1m"],
      ["create", "--topic", "t", "--unique-key", "k", "--debounce", "5s", "--max-wait", "1s"], // the store refuses it
      ["create", "--topic", "t", "--unique", "queued"], // no key
      ["create", "--topic", "t", "--unique-period", "soon"],
      ["create", "--topic", "t", "--on-duplicate", "maybe"],
      ["create", "--topic", "t", "--depends-on", "nope"], // no such task
      ["create", "--topic", "t", "--depends-on", "seed-1", "seed-1"],
      ["create", "--topic", "t", "--depends-on", "seed-1", "--delay", "1m"],
      ["create", "--topic", "t", "--on-dependency-failure", "run"], // without --depends-on
      ["create", "--topic", "t", "--depends-on", "seed-1", "--on-dependency-failure", "maybe"],
      ["create", "--topic", "t", "--unique-key", "a\tb"],
      ["dependencies"],
      ["dependencies", "seed-1", "--limit", "0"],
      ["dependants", "seed-1", "--cursor", "nonsense"],
      ["dependants", "a\nb"],
      ["seal", "g"], // --topic is required
      ["seal", "g", "--topic", "n", "--group", "g"], // the sealed group itself
      ["seal", "g\t", "--topic", "n"],
      ["seal", "g", "--topic", "n", "--unique-key", "k"],
      ["seal", "g", "--topic", "n", "--bogus"],
      ["follow-up"],
      ["follow-up", " g"],
    ];
    const runs = await Promise.all(refused.map((args) => sokka(args, env)));
    runs.forEach((r, i) => {
      expect(r.code, `${refused[i].join(" ")}: ${r.stderr}`).toBe(2);
      oneLine(r);
    });
    expect(JSON.stringify((await taskq.listTasks({}, { limit: 1000 })).data)).toBe(before);
    const missing = await sokka(["create", "--topic", "t", "--depends-on", "nope"], env);
    expect(missing.stderr).toBe(
      "sokka: createTask: dependsOn.0 names task nope, which does not exist; nothing was created\n",
    );
  }, 60_000);
});

describe("other databases and runtimes", () => {
  it("against sqld through --url: a unique create twice, a dependant, its dependencies, seal, follow-up", async () => {
    const url = inject("remoteUrl");
    const topic = uniq("cli-flows");
    const at = (...args: string[]) => sokka([...args, "--url", url, "--json"], {});
    const made = parsed<Task>(await at("create", "--topic", topic, "--unique-key", "k", "--group", `${topic}-g`));
    const dup = await at("create", "--topic", topic, "--unique-key", "k");
    expect(parsed<Task>(dup).taskId).toBe(made.taskId);
    expect(dup.stderr).toMatch(/^sokka: deduplicated: /);
    const dependant = parsed<Task>(await at("create", "--topic", topic, "--depends-on", made.taskId));
    expect(dependant.status).toBe("blocked");
    expect(parsed<Page>(await at("dependencies", dependant.taskId)).data.map((t) => t.taskId)).toEqual([made.taskId]);
    const sealed = parsed<Enqueued>(await at("seal", `${topic}-g`, "--topic", topic));
    expect(sealed.deduplicated).toBe(false);
    expect(parsed<Task>(await at("follow-up", `${topic}-g`))).toEqual(sealed.task);
  });

  for (const runtime of ["bun", "deno"] as const) {
    it(`under ${runtime}: a unique create twice, seal, follow-up as JSON`, async () => {
      const first = await sokka(
        ["create", "--topic", runtime, "--unique-key", "k", "--group", "g", "--json"],
        env,
        runtime,
      );
      const t = parsed<Task>(first);
      const again = await sokka(["create", "--topic", runtime, "--unique-key", "k", "--json"], env, runtime);
      expect(parsed<Task>(again).taskId).toBe(t.taskId);
      expect(again.stderr).toMatch(/^sokka: deduplicated: /);
      const sealed = parsed<Enqueued>(await sokka(["seal", "g", "--topic", "n", "--json"], env, runtime));
      expect(sealed).toMatchObject({ deduplicated: false, task: { followUpOf: "g", status: "blocked" } });
      const followUp = parsed<Task>(await sokka(["follow-up", "g", "--json"], env, runtime));
      expect(followUp).toEqual(sealed.task);
    }, 60_000);
  }
});
