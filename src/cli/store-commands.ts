/**
 * The `sokka` commands on topics and the database: pause and resume a topic,
 * prune finished tasks, count tasks per topic, show the driver.
 *
 * @module
 */

import process from "node:process";
import { type Command, Option } from "commander";
import { STATUSES } from "../schemas.ts";
import { duration, int } from "./arg-parsers.ts";
import { print, withStore } from "./context.ts";
import { statsTable } from "./topic-output.ts";

/** Adds the topic and database commands to `cli`. */
export function addStoreCommands(cli: Command): void {
  for (const [name, paused] of [["pause", true], ["resume", false]] as const) {
    cli.command(name)
      .description(
        paused ? "stop all reservation on a topic, in every process" : "let a paused topic's tasks be reserved again",
      )
      .argument("<topic>", "the topic")
      .action((topic: string, _o, cmd: Command) =>
        withStore(cmd, false, async (q, g) => {
          await (paused ? q.pauseTopic(topic) : q.resumeTopic(topic));
          print(g, { topic, paused }, () => `${paused ? "paused" : "resumed"} ${topic}`);
        })
      );
  }

  cli.command("prune")
    .description("delete finished tasks not updated for a while, in small batches")
    .requiredOption("--older-than <duration>", "age since the last update, e.g. 7d", duration)
    .addOption(
      new Option("--status <status...>", "final statuses to delete (default all three)").choices([
        "terminated",
        "failed",
        "cancelled",
      ]),
    )
    .option("--topic <topic>", "only tasks of this topic")
    .option("--batch-size <n>", "tasks per delete statement (default 1000)", int("batch-size"))
    .option("--progress", "a progress line on stderr even when it is not a terminal (it is on one)")
    .action((o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        // on a terminal one line rewritten in place; elsewhere (--progress) a line per batch
        const tty = process.stderr.isTTY === true;
        const progress = o.progress || (tty && !g.json);
        const deleted = await q.pruneTasks({
          olderThanMs: o.olderThan,
          statuses: o.status,
          topic: o.topic,
          batchSize: o.batchSize,
          onProgress: progress
            ? (n) =>
              process.stderr.write(`${tty ? "\r" : ""}deleting: ${n.toLocaleString("en-US")} so far${tty ? "" : "\n"}`)
            : undefined,
        });
        if (progress && tty) process.stderr.write("\r\x1b[K");
        print(g, { deleted }, () => `deleted ${deleted.toLocaleString("en-US")} task(s)`);
      })
    );

  cli.command("stats")
    .description(
      "count tasks per topic and status; show paused topics, and limited ones' limits, running and held back",
    )
    .action((_o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => print(g, await q.topicStats(), (s) => statsTable(s, STATUSES)))
    );

  cli.command("info")
    .description("show the driver and the SQLite version the database is opened with")
    .action((_o, cmd: Command) =>
      withStore(
        cmd,
        false,
        async (q, g) =>
          print(g, await q.storeInfo(), (i) => `driver         ${i.driver}\nsqliteVersion  ${i.sqliteVersion}`),
      )
    );
}
