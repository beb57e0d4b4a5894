/**
 * The `sokka` commands on dependencies and group follow-ups: a task's
 * dependencies (with their results) and dependants a page at a time,
 * sealing a group with its follow-up, and printing that follow-up.
 *
 * @module
 */

import type { Command } from "commander";
import type { Page, Task } from "../types.ts";
import { int } from "./arg-parsers.ts";
import { CliError } from "./cli-error.ts";
import { print, withStore } from "./context.ts";
import { edgesTable, taskDetail } from "./output.ts";
import { addTaskOptions, onDependencyFailureOption, taskDefOf } from "./task-def-options.ts";

/** A page as `list` prints it for people: a table, then how to get the next page. */
const pageText = (p: Page) => edgesTable(p.data) + (p.cursor ? `\nnext page: --cursor ${p.cursor}` : "");

/** Adds the dependency and follow-up commands to `cli`. */
export function addFlowCommands(cli: Command): void {
  for (
    const [side, what] of [
      [
        "dependencies",
        "list the tasks a task waits for (its --depends-on, or a follow-up's group), with their results",
      ],
      ["dependants", "list the tasks that wait for a task (its group's follow-up included)"],
    ] as const
  ) {
    cli.command(side)
      .description(`${what}, a page at a time in task-id order`)
      .argument("<taskId>", "the task's id")
      .option("--limit <n>", "page size, 1 to 1000 (default 100)", int("limit"))
      .option("--cursor <cursor>", "the page to resume from (printed after a page that has more)")
      .action((id: string, o, cmd: Command) =>
        withStore(cmd, false, async (q, g) => {
          const page = await q[side](id, { limit: o.limit, cursor: o.cursor });
          if (!page.data.length && !o.cursor && !(await q.task(id))) throw new CliError(`no task ${id}`, 1);
          print(g, page, pageText);
        })
      );
  }

  const seal = cli.command("seal")
    .description(
      "seal a task group: create its follow-up task, which runs once every task the group has now has ended " +
        "(once per group: sealing again prints the follow-up it has)",
    )
    .argument("<taskGroupId>", "the group's id");
  addTaskOptions(seal)
    .addOption(onDependencyFailureOption("run"))
    .action((group: string, o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        const sealed = await q.sealGroup(group, taskDefOf(o));
        print(g, sealed, ({ task, deduplicated }) =>
          `${taskDetail(task)}\n${
            deduplicated
              ? `group ${group} was sealed already: its follow-up is task ${task.taskId}; nothing was created`
              : `sealed group ${group}: follow-up task ${task.taskId}`
          }`);
      })
    );

  cli.command("follow-up")
    .description("print a sealed group's follow-up task")
    .argument("<taskGroupId>", "the group's id")
    .action((group: string, _o, cmd: Command) =>
      withStore(cmd, false, async (q, g) => {
        const t: Task | null = await q.groupFollowUp(group);
        if (!t) throw new CliError(`group ${group} has no follow-up: it is not sealed`, 1);
        print(g, t, taskDetail);
      })
    );
}
