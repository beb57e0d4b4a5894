/**
 * `sokka limits <topic>` (show, set, `--clear`), `sokka create
 * --partition-key` and the limit columns of `sokka stats`, as users run
 * them: the real binary in its own process, against a temp `file:` database
 * and the suite's sqld. What is printed is checked against the store; bad
 * values exit 2 with one line naming the option and change nothing. Lean:
 * independent commands run in parallel.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createTaskQ, type Task, type TaskQ, type TopicStats } from "../mod.ts";
import type { TopicLimitsView } from "../src/cli/topic-output.ts";
import { tempDbUrl, uniq } from "./helpers.ts";
import { oneLine, type Run, sokka } from "./cli-run.ts";

let db: ReturnType<typeof tempDbUrl>;
let env: Record<string, string>;
let taskq: TaskQ;
beforeEach(async () => {
  db = tempDbUrl();
  env = { SOKKA_URL: db.url };
  taskq = createTaskQ({ url: db.url });
  await taskq.createTasks(Array.from({ length: 5 }, (_, i) => ({ topic: "api", data: i })));
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

describe("sokka limits (Node, file: database)", () => {
  it(
    "sets, shows (running against the cap, held back), lists in stats and clears; create --partition-key",
    async () => {
      const [set, keyed, made, none, help] = await Promise.all([
        sokka(["limits", "api", "--concurrency", "2", "--rate", "100", "--per", "1s", "--burst", "9", "--json"], env),
        sokka(["limits", "per-customer", "--concurrency", "1", "--partitioned"], env),
        sokka(["create", "--topic", "per-customer", "--partition-key", "customer-42", "--json"], env),
        sokka(["limits", "quiet", "--json"], env),
        sokka(["limits", "--help"], env),
      ]);
      const limits = { concurrency: 2, rate: { limit: 100, periodMs: 1000, burst: 9 } };
      expect(parsed<TopicLimitsView>(set)).toEqual({ topic: "api", limits, running: 0, heldBack: 3 }); // 5 due, 2 may go
      expect(await taskq.topicLimits("api")).toEqual(limits);
      expect(keyed.code, keyed.stderr).toBe(0);
      expect(keyed.stdout).toMatch(/^FIELD\s+VALUE\ntopic\s+per-customer\nlimits\s+1 at once, per key\n/);
      expect(keyed.stdout).toMatch(/\npartitioned\s+yes: each partitionKey on its own\n/);
      expect(keyed.stdout).toMatch(/\nset the limits of per-customer\n$/);
      const task = parsed<Task>(made);
      expect(task.partitionKey).toBe("customer-42");
      expect(await taskq.task(task.taskId)).toEqual(task);
      expect(parsed<TopicLimitsView>(none)).toEqual({ topic: "quiet", limits: null, running: 0, heldBack: 0 });
      const options = help.stdout.replace(/\s+/g, " ");
      for (
        const o of ["--concurrency <n>", "--rate <n>", "--per <duration>", "--burst <n>", "--partitioned", "--clear"]
      ) {
        expect(options).toContain(o);
      }

      // two of api's five run: the cap holds the other three back
      expect((await taskq.reserveTasks("api", "w", 5)).length).toBe(2);
      const [shown, people, stats, statsJson, cleared, get] = await Promise.all([
        sokka(["limits", "api", "--json"], env),
        sokka(["limits", "api"], env),
        sokka(["stats"], env),
        sokka(["stats", "--json"], env),
        sokka(["limits", "per-customer", "--clear", "--json"], env),
        sokka(["get", task.taskId], env),
      ]);
      expect(parsed<TopicLimitsView>(shown)).toEqual({ topic: "api", limits, running: 2, heldBack: 3 });
      expect(people.code, people.stderr).toBe(0);
      expect(people.stdout).toMatch(/\nlimits\s+2 at once, 100 per 1s \(burst 9\)\n/);
      expect(people.stdout).toMatch(
        /\nrate\s+100 per 1s, burst 9\npartitioned\s+no\nrunning\s+2 of 2\nheldBack\s+3\n$/,
      );
      expect(stats.code, stats.stderr).toBe(0);
      expect(stats.stdout).toMatch(/^TOPIC\s+PAUSED\s+STARTING .*\s+LIMITS\s+RUNNING\/CAP\s+HELD BACK\n/);
      expect(stats.stdout).toMatch(/\napi\s+3\s+2\s+.*\s2 at once, 100 per 1s \(burst 9\)\s+2\/2\s+3\n/);
      const api = parsed<TopicStats[]>(statsJson).find((s) => s.topic === "api");
      expect(api).toMatchObject({ limits, running: 2, heldBack: 3, counts: { starting: 3, running: 2 } });
      // removed in the other parallel run (the table above may or may not show it)
      expect(parsed<TopicLimitsView>(cleared)).toEqual({
        topic: "per-customer",
        limits: null,
        running: 0,
        heldBack: 0,
      });
      expect(await taskq.topicLimits("per-customer")).toBeNull();
      expect(get.stdout).toMatch(/\npartitionKey\s+customer-42\n/);

      // a topic without limits: stats has no limit columns
      await taskq.setTopicLimits("api", null);
      const plain = await sokka(["stats"], env);
      expect(plain.stdout).not.toContain("LIMITS");
    },
    60_000,
  );

  it("bad values exit 2 with one line naming the option, and change nothing", async () => {
    await taskq.setTopicLimits("api", { concurrency: 3 });
    const refused: [string[], RegExp][] = [
      [["--concurrency", "0"], /^sokka: limits: --concurrency must be at least 1$/],
      [["--concurrency", "100001"], /^sokka: limits: --concurrency must be at most 100000$/],
      [["--concurrency", "two"], /'--concurrency <n>' argument 'two' is invalid/],
      [["--rate", "10"], /^sokka: limits: --per is required with --rate \(the period, e.g. --per 1s\)$/],
      [["--per", "1s"], /^sokka: limits: --rate is required with --per$/],
      [["--burst", "2", "--concurrency", "1"], /^sokka: limits: --rate is required with --burst; --per is required/],
      [["--rate", "10", "--per", "2d"], /^sokka: limits: --per must be from 1ms to 1d$/],
      [["--rate", "10", "--per", "soon"], /'--per <duration>' argument 'soon' is invalid/],
      [["--rate", "10", "--per", "1s", "--burst", "-1"], /^sokka: limits: --burst must not be negative$/],
      [["--partitioned"], /^sokka: limits: give --concurrency or --rate \(--clear removes a topic's limits\)$/],
      [["--clear", "--concurrency", "2"], /--clear.*cannot be used with.*--concurrency/],
      [["--bogus"], /unknown option '--bogus'/],
    ];
    const runs = await Promise.all([
      ...refused.map(([args]) => sokka(["limits", "api", ...args], env)),
      sokka(["limits", "a\tb", "--concurrency", "1"], env),
      sokka(["limits"], env),
      sokka(["create", "--topic", "t", "--partition-key", " k"], env),
    ]);
    runs.forEach((r, i) => {
      const what = i < refused.length ? refused[i][0].join(" ") : `extra ${i}`;
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      oneLine(r);
      if (i < refused.length) expect(r.stderr.trim(), what).toMatch(refused[i][1]);
    });
    expect(runs[refused.length].stderr).toMatch(/^sokka: limits: topic /);
    expect(runs[refused.length + 2].stderr).toMatch(/partitionKey/);
    expect(await taskq.topicLimits("api")).toEqual({ concurrency: 3 });
    expect(await taskq.countTasks({ topic: "t" })).toBe(0);
    const missing = await sokka(["limits", "api", "--url", `${db.url}.missing`], {});
    expect(missing.code).toBe(1);
    oneLine(missing);
  }, 60_000);
});

describe("sokka limits against sqld", () => {
  it("through --url: set, show, stats, create --partition-key, clear", async () => {
    const url = inject("remoteUrl");
    const topic = uniq("cli-limits");
    const at = (...args: string[]) => sokka([...args, "--url", url, "--json"], {});
    const set = parsed<TopicLimitsView>(await at("limits", topic, "--concurrency", "4", "--partitioned"));
    expect(set).toEqual({ topic, limits: { concurrency: 4, partitioned: true }, running: 0, heldBack: 0 });
    const [task, shown] = await Promise.all([
      at("create", "--topic", topic, "--partition-key", "k").then((r) => parsed<Task>(r)),
      at("limits", topic).then((r) => parsed<TopicLimitsView>(r)),
    ]);
    expect(task.partitionKey).toBe("k");
    expect(shown.limits).toEqual({ concurrency: 4, partitioned: true });
    const stats = parsed<TopicStats[]>(await at("stats")).find((s) => s.topic === topic)!;
    expect(stats.limits).toEqual({ concurrency: 4, partitioned: true });
    expect(parsed<TopicLimitsView>(await at("limits", topic, "--clear")).limits).toBeNull();
  });
});
