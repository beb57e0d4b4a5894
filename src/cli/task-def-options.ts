/**
 * The options that describe a task, shared by `sokka create` and `sokka
 * seal` (a group's follow-up), and the `TaskDef` they give; `create`'s
 * unique-key and dependency options too.
 *
 * @module
 */

import { type Command, Option } from "commander";
import type { TaskDef, UniquePolicy } from "../types.ts";
import { duration, int, json } from "./arg-parsers.ts";
import { CliError } from "./cli-error.ts";

/** What the options of a task are read as (commander's camelCase names). */
export type TaskOptions = Record<string, unknown>;

/** `--on-dependency-failure`, with what it defaults to where it is given. */
export const onDependencyFailureOption = (defaults: string) =>
  new Option(
    "--on-dependency-failure <policy>",
    `what a dependency ending failed or cancelled does to it: fail it, run it anyway, or cancel it (default ${defaults})`,
  ).choices(["fail", "run", "cancel"]);

/**
 * Adds the options every task takes: data, id, group, sub-topic, description,
 * priority, partition key, attempts, timeout, backoff.
 */
export function addTaskOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--topic <topic>", "the topic its workers take it from")
    .option("--data <json>", "the task's data, JSON", json)
    .option("--id <taskId>", "its id (default: a new one)")
    .option("--group <taskGroupId>", "its group (default: its own id)")
    .option("--sub-topic <subTopic>", "its sub-topic")
    .option("--description <text>", "a description shown in listings")
    .option("--priority <n>", "lower runs first (default 0)", int("priority"))
    .option("--partition-key <key>", "the key its topic's partitioned limits count it under (sokka limits)")
    .option(
      "--max-attempts <n>",
      "failed attempts allowed, 1 to 10000 (default: its worker's --max-attempts, else 1)",
      int("max-attempts"),
    )
    .option(
      "--timeout <duration>",
      "abort one execution of it after this long, e.g. 5m (wins over its worker's)",
      duration,
    )
    .option(
      "--backoff <json>",
      'wait between failed attempts, JSON: {"type":"exponential","baseMs":1000,"capMs":3600000} or {"type":"fixed","delayMs":5000}',
      json,
    );
}

/** Adds `create`'s unique-key and dependency options. */
export function addUniqueAndDependencyOptions(cmd: Command): Command {
  return cmd
    .option("--unique-key <key>", "deduplicate: no other task of the topic holding this key is created")
    .addOption(
      new Option(
        "--unique <policy>",
        "which tasks of the key hold it: active (not ended; the default) or queued (not reserved yet)",
      ).choices(["active", "queued"]).conflicts(["uniquePeriod", "debounce"]),
    )
    .addOption(
      new Option("--unique-period <duration>", "the key is held by any task created in the same window, e.g. 1h")
        .argParser(duration).conflicts(["debounce"]),
    )
    .option(
      "--debounce <duration>",
      "a waiting task of the key takes the new data and runs this long after the last create, e.g. 5s",
      duration,
    )
    .option("--max-wait <duration>", "with --debounce: run at most this long after the first create", duration)
    .addOption(
      new Option("--on-duplicate <what>", "a held key: return the holder (default) or fail (exit 1)").choices([
        "return",
        "error",
      ]),
    )
    .option("--depends-on <taskId...>", "tasks it waits for: it is blocked until each has ended (1 to 100)")
    .addOption(onDependencyFailureOption("fail"));
}

/** The fields the options every task takes give. */
export function taskDefOf(o: TaskOptions): TaskDef {
  const def: TaskDef = { topic: o.topic as string };
  const flags: [option: string, field: keyof TaskDef][] = [
    ["data", "data"],
    ["id", "taskId"],
    ["group", "taskGroupId"],
    ["subTopic", "subTopic"],
    ["description", "taskDescription"],
    ["priority", "priority"],
    ["partitionKey", "partitionKey"],
    ["maxAttempts", "maxAttempts"],
    ["timeout", "timeoutMs"],
    ["backoff", "backoff"],
    ["delay", "delayMs"],
    ["runAt", "runAt"],
    ["uniqueKey", "uniqueKey"],
    ["onDuplicate", "onDuplicate"],
    ["dependsOn", "dependsOn"],
    ["onDependencyFailure", "onDependencyFailure"],
  ];
  const fields = def as unknown as Record<string, unknown>;
  for (const [option, field] of flags) if (o[option] !== undefined) fields[field] = o[option];
  const unique = uniqueOf(o);
  if (unique !== undefined) def.unique = unique;
  return def;
}

/** The unique policy `--unique`, `--unique-period` or `--debounce` (with `--max-wait`) give, if any. */
function uniqueOf(o: TaskOptions): UniquePolicy | undefined {
  if (o.maxWait !== undefined && o.debounce === undefined) {
    throw new CliError("--max-wait is only given with --debounce", 2);
  }
  if (o.debounce !== undefined) {
    return {
      debounceMs: o.debounce as number,
      ...(o.maxWait === undefined ? {} : { maxWaitMs: o.maxWait as number }),
    };
  }
  if (o.uniquePeriod !== undefined) return { periodMs: o.uniquePeriod as number };
  return o.unique as UniquePolicy | undefined;
}
