/**
 * The `sokka schedules …` commands: list, show, set (create or replace),
 * delete, pause and resume a schedule, and fire the due slots once (for a
 * system cron). `sokka scheduler` (scheduler.ts) fires them until stopped.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import type { ScheduleDef } from "../types.ts";
import { duration, int, json } from "./arg-parsers.ts";
import { CliError } from "./cli-error.ts";
import { print, withStore } from "./context.ts";
import { fireLine, scheduleDetail, schedulesTable } from "./schedule-output.ts";

/** The definition in `--file`: a JSON object, its `name` (if any) the argument's. */
function fromFile(file: string, name: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
  }
  let def: unknown;
  try {
    def = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON: a schedule definition is a JSON object { cron, topic, … }`, 2);
  }
  if (def === null || typeof def !== "object" || Array.isArray(def)) {
    throw new CliError(`${file} must hold a JSON object { cron, topic, … }`, 2);
  }
  const given = (def as { name?: unknown }).name;
  if (given !== undefined && given !== name) {
    throw new CliError(`${file} names the schedule ${JSON.stringify(given)}, not ${JSON.stringify(name)}`, 2);
  }
  return def as Record<string, unknown>;
}

/** The definition `set` writes: the file's (if any), each option given written over it. */
function definition(name: string, o: Record<string, unknown>): ScheduleDef {
  const def: Record<string, unknown> = o.file === undefined ? {} : fromFile(o.file as string, name);
  const flags: [option: string, field: keyof ScheduleDef][] = [
    ["cron", "cron"],
    ["topic", "topic"],
    ["timezone", "timezone"],
    ["data", "data"],
    ["subTopic", "subTopic"],
    ["description", "taskDescription"],
    ["priority", "priority"],
    ["maxAttempts", "maxAttempts"],
    ["backoff", "backoff"],
    ["timeout", "timeoutMs"],
    ["overlap", "overlap"],
    ["backfill", "backfillMs"],
    ["paused", "paused"],
  ];
  for (const [option, field] of flags) if (o[option] !== undefined) def[field] = o[option];
  return { ...def, name } as ScheduleDef;
}

/** Adds `sokka schedules …` to `cli`. */
export function addScheduleCommands(cli: Command): void {
  const schedules = cli.command("schedules")
    .description("list, show, set, delete, pause, resume or fire the recurring schedules")
    .addHelpText("after", "\nRun `sokka schedules <command> --help` for a command's options.");

  schedules.command("list")
    .description("list the schedules by name: cron, next and last slot, paused")
    .option("--topic <topic>", "only the schedules of this topic")
    .action((o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        print(g, { data: await q.listSchedules({ topic: o.topic }) }, (l) => schedulesTable(l.data));
      })
    );

  schedules.command("show")
    .description("print one schedule")
    .argument("<name>", "the schedule's name")
    .action((name: string, _o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        const s = await q.getSchedule(name);
        if (!s) throw new CliError(`no schedule ${name}`, 1);
        print(g, s, scheduleDetail);
      })
    );

  schedules.command("set")
    .description(
      "create a schedule, or replace it (the whole definition: an option left out is its default); " +
        "a slot already fired never fires again",
    )
    .argument("<name>", "the schedule's name (a slot's task id is <name>@<slot>)")
    .option("--file <file>", "the definition as a JSON object { cron, topic, … }; options given win over it")
    .option("--cron <cron>", 'when: 5 fields, 6 (seconds first) or 7, or @hourly, @daily…, e.g. "30 1 * * *"')
    .option("--topic <topic>", "the topic of the tasks it makes")
    .option("--timezone <zone>", "the IANA time zone the cron is read in (default UTC)")
    .option("--data <json>", "the data of every task it makes, JSON (default null)", json)
    .option("--sub-topic <subTopic>", "the tasks' sub-topic")
    .option("--description <text>", "the tasks' description")
    .option("--priority <n>", "the tasks' priority: lower runs first (default 0)", int("priority"))
    .option("--max-attempts <n>", "the tasks' failed attempts allowed, 1 to 10000", int("max-attempts"))
    .option("--backoff <json>", 'the tasks\' backoff, JSON: {"type":"fixed","delayMs":5000}', json)
    .option("--timeout <duration>", "abort one execution of a task after this long, e.g. 5m", duration)
    .addOption(
      new Option("--overlap <overlap>", "skip: no task for a slot while the previous one has not finished")
        .choices(["allow", "skip"]),
    )
    .option(
      "--backfill <duration>",
      "after downtime, fire the missed slots of this last while, up to 7d (default 0: the latest missed only)",
      duration,
    )
    .option("--paused", "create it (or leave it) paused")
    .option("--no-paused", "make it active (default: a new one active, a replaced one as it was)")
    .action((name: string, o, cmd: Command) =>
      withStore(cmd, true, async (q, g) => print(g, await q.schedule(definition(name, o)), scheduleDetail))
    );

  schedules.command("delete")
    .description("delete a schedule; the tasks it made stay (cancel waiting ones: sokka list --schedule)")
    .argument("<name>", "the schedule's name")
    .action((name: string, _o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        if (!(await q.unschedule(name))) throw new CliError(`no schedule ${name}`, 1);
        print(g, { name, deleted: true }, () => `deleted schedule ${name} (the tasks it made stay)`);
      })
    );

  for (
    const [action, what] of [["pause", "stop a schedule firing; its slots while paused are skipped"], [
      "resume",
      "let a paused schedule fire again, from its first slot after now",
    ]] as const
  ) {
    schedules.command(action)
      .description(what)
      .argument("<name>", "the schedule's name")
      .action((name: string, _o, cmd: Command) =>
        withStore(cmd, false, async (q, g) => {
          print(g, await (action === "pause" ? q.pauseSchedule(name) : q.resumeSchedule(name)), scheduleDetail);
        })
      );
  }

  schedules.command("fire")
    .description("fire the due slots once (for a system cron; `sokka scheduler` keeps firing them)")
    .option("--topic <topic...>", "only the schedules of these topics")
    .action((o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => print(g, await q.fireSchedules({ topics: o.topic }), fireLine))
    );
}
