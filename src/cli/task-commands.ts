/**
 * The `sokka` commands on tasks: create one, read one, a group or a page,
 * and the operator's actions (cancel, retry, hold, release).
 *
 * @module
 */

import { type Command, Option } from "commander";
import { STATUSES } from "../schemas.ts";
import type { Task, TaskDef, TaskQ, TaskStatus } from "../types.ts";
import { duration, int, json } from "./arg-parsers.ts";
import { CliError } from "./cli-error.ts";
import { print, withStore } from "./context.ts";
import { taskDetail, tasksTable } from "./output.ts";

const statusOption = () =>
  new Option("--status <status>", "only tasks in this status").choices(STATUSES as readonly string[]);

/** Adds the task commands to `cli`. */
export function addTaskCommands(cli: Command): void {
  cli.command("create")
    .description("create a task and print it")
    .requiredOption("--topic <topic>", "the topic its workers take it from")
    .option("--data <json>", "the task's data, JSON", json)
    .option("--id <taskId>", "its id (default: a new one)")
    .option("--group <taskGroupId>", "its group (default: its own id)")
    .option("--sub-topic <subTopic>", "its sub-topic")
    .option("--description <text>", "a description shown in listings")
    .option("--priority <n>", "lower runs first (default 0)", int("priority"))
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
    )
    .option("--delay <duration>", "reservable after this long, e.g. 30s", duration)
    .option("--run-at <time>", "reservable from this ISO time")
    .action((o, cmd: Command) =>
      withStore(cmd, true, async (q, g) => {
        const def: TaskDef = { topic: o.topic };
        if (o.data !== undefined) def.data = o.data;
        if (o.id !== undefined) def.taskId = o.id;
        if (o.group !== undefined) def.taskGroupId = o.group;
        if (o.subTopic !== undefined) def.subTopic = o.subTopic;
        if (o.description !== undefined) def.taskDescription = o.description;
        if (o.priority !== undefined) def.priority = o.priority;
        if (o.maxAttempts !== undefined) def.maxAttempts = o.maxAttempts;
        if (o.timeout !== undefined) def.timeoutMs = o.timeout;
        if (o.backoff !== undefined) def.backoff = o.backoff as TaskDef["backoff"];
        if (o.delay !== undefined) def.delayMs = o.delay;
        if (o.runAt !== undefined) def.runAt = o.runAt;
        print(g, await q.createTask(def), taskDetail);
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
