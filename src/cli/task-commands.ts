/**
 * The `sokka` commands on tasks: create one (deduplicated by a unique key,
 * waiting for its dependencies), read one, a group or a page, and the
 * operator's actions (cancel, retry, hold, release).
 *
 * @module
 */

import process from "node:process";
import { type Command, Option } from "commander";
import { STATUSES } from "../schemas.ts";
import type { Task, TaskQ, TaskStatus } from "../types.ts";
import { duration, int } from "./arg-parsers.ts";
import { CliError } from "./cli-error.ts";
import { print, withStore } from "./context.ts";
import { dedupLine, taskDetail, tasksTable } from "./output.ts";
import { addTaskOptions, addUniqueAndDependencyOptions, taskDefOf } from "./task-def-options.ts";

const statusOption = () =>
  new Option("--status <status>", "only tasks in this status").choices(STATUSES as readonly string[]);

/** Adds the task commands to `cli`. */
export function addTaskCommands(cli: Command): void {
  const create = cli.command("create")
    .description("create a task and print it (and whether its --unique-key deduplicated it)");
  addTaskOptions(create)
    .option("--delay <duration>", "reservable after this long, e.g. 30s", duration)
    .option("--run-at <time>", "reservable from this ISO time");
  addUniqueAndDependencyOptions(create)
    .action((o, cmd: Command) =>
      withStore(cmd, true, async (q, g) => {
        const { task, deduplicated } = await q.enqueue(taskDefOf(o));
        // --json prints the task (as POST /tasks answers it); a deduplicated one is said on stderr too
        if (deduplicated && g.json) process.stderr.write(`sokka: ${dedupLine(task)}\n`);
        print(g, task, (t) => `${taskDetail(t)}\n${deduplicated ? dedupLine(t) : `created task ${t.taskId}`}`);
      })
    );

  cli.command("get")
    .description("print one task")
    .argument("<taskId>", "the task's id")
    .action((id: string, _o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        const t = await q.task(id);
        if (!t) throw new CliError(`no task ${id}`, 1);
        print(g, t, taskDetail);
      })
    );

  cli.command("group")
    .description("list the tasks of a task group")
    .argument("<taskGroupId>", "the group's id")
    .action((id: string, _o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => print(g, await q.tasks(id), tasksTable))
    );

  cli.command("list")
    .description(
      "list tasks a page at a time, status by status (starting first, cancelled last): waiting ones in the order " +
        "workers take them, the rest by last update",
    )
    .option("--topic <topic>", "only tasks of this topic")
    .option("--sub-topic <subTopic>", "only tasks of this sub-topic")
    .option("--schedule <name>", "only the tasks this schedule made")
    .addOption(statusOption())
    .option("--limit <n>", "page size, 1 to 1000 (default 100)", int("limit"))
    .option("--cursor <cursor>", "the page to resume from (printed after a page that has more)")
    .addOption(
      new Option(
        "--order <order>",
        "each status's own order (asc) or reversed, newest first (desc); statuses keep theirs",
      )
        .choices(["desc", "asc"]).default("desc"),
    )
    .action((o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        const page = await q.listTasks(
          { topic: o.topic, subTopic: o.subTopic, schedule: o.schedule, status: o.status as TaskStatus | undefined },
          { limit: o.limit, cursor: o.cursor, order: o.order },
        );
        print(g, page, (p) => tasksTable(p.data) + (p.cursor ? `\nnext page: --cursor ${p.cursor}` : ""));
      })
    );

  const action = (name: string, what: string, run: (q: TaskQ, id: string, o: { reason?: string }) => Promise<Task>) =>
    cli.command(name)
      .description(what)
      .argument("<taskId>", "the task's id")
      .action((id: string, o, cmd: Command) =>
        withStore(cmd, false, async (q, g) => print(g, await run(q, id, o), taskDetail))
      );
  action(
    "cancel",
    "cancel a task: a waiting one at once, a running one at its worker's next keepalive",
    (q, id, o) => q.cancelTask(id, o.reason),
  )
    .option("--reason <text>", "why (kept as the task's error)");
  action(
    "retry",
    "put a failed or cancelled task back to starting (same id, history kept)",
    (q, id) => q.retryTask(id),
  );
  action("hold", "keep a waiting task from being reserved", (q, id) => q.holdTask(id));
  action("release", "let a held task be reserved again", (q, id) => q.releaseTask(id));
}
