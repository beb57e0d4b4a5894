/**
 * `sokka limits <topic>`: shows a topic's limits, its running tasks against
 * the cap and the ready ones the limits hold back; with options, sets
 * (replaces) them, or removes them with `--clear`. The options are mapped to
 * `TopicLimits` and parsed with the store's own schema before the database
 * is opened, so a bad value exits 2 naming its option and changes nothing.
 *
 * @module
 */

import { type Command, Option } from "commander";
import type { Issue } from "../errors.ts";
import { TaskError } from "../errors.ts";
import { TopicLimitsSchema } from "../libsql/limits.ts";
import { checkArg, Name, parseOrThrow } from "../schemas.ts";
import type { TaskQ, TopicLimits } from "../types.ts";
import { duration, int } from "./arg-parsers.ts";
import { CliError } from "./cli-error.ts";
import { print, withStore } from "./context.ts";
import { limitsDetail, type TopicLimitsView } from "./topic-output.ts";

/** The options that set limits (commander's names) and the field of `TopicLimits` each gives. */
const FLAGS = {
  concurrency: ["--concurrency", "concurrency"],
  rate: ["--rate", "rate.limit"],
  per: ["--per", "rate.periodMs"],
  burst: ["--burst", "rate.burst"],
  partitioned: ["--partitioned", "partitioned"],
} as const;
type Flag = keyof typeof FLAGS;

/** The option a refused field of `TopicLimits` came from, with what it must be. */
function optionIssue(i: Issue, given: Flag[]): string {
  const flag = (Object.keys(FLAGS) as Flag[]).find((f) => FLAGS[f][1] === i.path);
  if (!flag) return i.path ? `${i.path} ${i.message}` : i.message;
  const name = FLAGS[flag][0];
  if (i.message.startsWith("is required")) {
    const rateFlags = given.filter((f) => f === "rate" || f === "per" || f === "burst").map((f) => FLAGS[f][0]);
    return `${name} is required with ${rateFlags.join(" and ")}${flag === "per" ? " (the period, e.g. --per 1s)" : ""}`;
  }
  return flag === "per" ? `${name} must be from 1ms to 1d` : `${name} ${i.message}`;
}

/**
 * The limits the options give: `undefined` when none is given (show them),
 * `null` for `--clear`; refuses what the store would refuse, naming the option.
 */
export function limitsOfOptions(o: Record<string, unknown>): TopicLimits | null | undefined {
  if (o.clear) return null;
  const given = (Object.keys(FLAGS) as Flag[]).filter((f) => o[f] !== undefined);
  if (!given.length) return undefined;
  const input: Record<string, unknown> = {};
  if (o.concurrency !== undefined) input.concurrency = o.concurrency;
  if (o.rate !== undefined || o.per !== undefined || o.burst !== undefined) {
    const rate: Record<string, unknown> = {};
    for (const [flag, field] of [["rate", "limit"], ["per", "periodMs"], ["burst", "burst"]]) {
      if (o[flag] !== undefined) rate[field] = o[flag];
    }
    input.rate = rate;
  }
  if (o.partitioned) input.partitioned = true;
  let limits: TopicLimits;
  try {
    limits = parseOrThrow(TopicLimitsSchema, input, "limits", "invalid-options");
  } catch (e) {
    if (!(e instanceof TaskError) || !e.issues) throw e;
    throw new CliError(`limits: ${e.issues.map((i) => optionIssue(i, given)).join("; ")}`, 2);
  }
  if (limits.concurrency === undefined && limits.rate === undefined) {
    throw new CliError("limits: give --concurrency or --rate (--clear removes a topic's limits)", 2);
  }
  return limits;
}

/** A topic's limits, running tasks and held-back tasks, from one page of topics (a topic with neither: none). */
async function viewOf(q: TaskQ, topic: string): Promise<TopicLimitsView> {
  const page = await q.topicPage({ prefix: topic, limit: 1 });
  const s = page.data[0]?.topic === topic ? page.data[0] : undefined;
  return { topic, limits: s?.limits ?? null, running: s?.running ?? 0, heldBack: s?.heldBack ?? 0 };
}

/** Adds `limits` to `cli`. */
export function addLimitCommands(cli: Command): void {
  cli.command("limits")
    .description(
      "show a topic's limits, its running tasks against the cap and the ready tasks the limits hold back; " +
        "with options, set (replace) them across every process, or remove them with --clear",
    )
    .argument("<topic>", "the topic")
    .option("--concurrency <n>", "at most this many of its tasks running at once (1 to 100000)", int("concurrency"))
    .option("--rate <n>", "at most this many reservations per --per (1 to 100000); the excess waits", int("rate"))
    .option("--per <duration>", "the rate's period, e.g. 1s, 1m (1ms to 1d)", duration)
    .option("--burst <n>", "with --rate: this many more may go at once after a quiet spell (default 0)", int("burst"))
    .option("--partitioned", "the limits hold per partitionKey of its tasks, each key on its own")
    .addOption(
      new Option("--clear", "remove its limits (a rateLimited() back-off stays until it ends)")
        .conflicts(Object.keys(FLAGS)),
    )
    .action((topic: string, o, cmd: Command) => {
      checkArg(Name, topic, "limits", "topic", "invalid-options");
      const limits = limitsOfOptions(o); // before the store opens: a bad value changes nothing
      // setting limits may come before the first task (a deploy step): it may create the database
      return withStore(cmd, limits !== undefined && limits !== null, async (q, g) => {
        if (limits !== undefined) await q.setTopicLimits(topic, limits);
        const done = limits === undefined ? "" : `\n${limits ? "set" : "removed"} the limits of ${topic}`;
        print(g, await viewOf(q, topic), (v) => limitsDetail(v) + done);
      });
    });
}
