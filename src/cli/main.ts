/**
 * The `sokka` command: a terminal for a sokka database. Runtime-specific (it
 * reads the environment, files and signals through `node:` modules, which
 * Node, Bun and Deno all provide), so it stands apart from the core.
 *
 * Exit codes: 0 done; 1 the operation failed (not found, refused, the
 * database unreachable); 2 bad arguments (unknown command or option, a value
 * of the wrong form, input the store refuses as invalid).
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { TaskError } from "../errors.ts";
import { createTaskQ } from "../libsql/taskq.ts";
import { filePath } from "../libsql/file-driver.ts";
import { safeUrl } from "../libsql/url.ts";
import { STATUSES } from "../schemas.ts";
import type { Task, TaskDef, TaskQ, TaskStatus } from "../types.ts";
import { CliError } from "./cli-error.ts";
import { parseDuration, statsTable, taskDetail, tasksTable } from "./output.ts";
import { serve } from "./serve.ts";
import { allowedHost, allowedOrigin, listenAddress, port, serveOptions } from "./serve-options.ts";
import { VERSION } from "../version.ts";
import { work } from "./work.ts";

interface Global {
  url?: string;
  authToken?: string;
  json?: boolean;
}

const int = (what: string) => (text: string): number => {
  if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`${what} must be an integer.`);
  return Number(text);
};
const duration = (text: string): number => {
  const ms = parseDuration(text);
  if (ms === null) throw new InvalidArgumentError("must be a duration such as 500ms, 30s, 15m, 12h, 7d.");
  return ms;
};
const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be JSON, e.g. \'{"to":"a@example.com"}\'.');
  }
};

/** Opens the store on `--url` / SOKKA_URL; `mayCreate`: a missing `file:` database may be created. */
function open(g: Global, mayCreate: boolean): TaskQ {
  const url = g.url ?? process.env.SOKKA_URL ?? "file:sokka.db";
  if (!mayCreate && (url.startsWith("file:") && !url.startsWith("file::memory:")) && !existsSync(filePath(url))) {
    throw new CliError(`no database at ${filePath(url)} (${safeUrl(url)}); pass --url or set SOKKA_URL`, 1);
  }
  return createTaskQ({ url, authToken: g.authToken ?? process.env.SOKKA_AUTH_TOKEN });
}

/** Prints `value` as JSON with `--json`, else as `human(value)`. */
function print<T>(g: Global, value: T, human: (v: T) => string): void {
  process.stdout.write(`${g.json ? JSON.stringify(value) : human(value)}\n`);
}

/** Runs `body` on an opened store and closes it, whatever happens. */
async function withStore(cmd: Command, mayCreate: boolean, body: (q: TaskQ, g: Global) => Promise<void>) {
  const g = cmd.optsWithGlobals<Global>();
  const taskq = open(g, mayCreate);
  try {
    await body(taskq, g);
  } finally {
    await taskq.close();
  }
}

const statusOption = () =>
  new Option("--status <status>", "only tasks in this status").choices(STATUSES as readonly string[]);

/** The program and its commands (the binary, bin.ts, runs `main`). */
export function program(): Command {
  const cli = new Command("sokka")
    .description("Create, inspect and manage the tasks of a sokka queue, run a worker, or serve the dashboard.")
    .option(
      "--url <url>",
      "the database: file:, libsql:, http(s): or ws(s): URL (env SOKKA_URL; default file:sokka.db)",
    )
    .option("--auth-token <token>", "the database's auth token (env SOKKA_AUTH_TOKEN)")
    .option("--json", "print JSON for scripts instead of tables")
    .version(VERSION, "-V, --version", "print sokka's version")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`sokka: ${text.replace(/^error: /, "")}`) })
    .showSuggestionAfterError()
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 the operation failed, 2 bad arguments.\nRun `sokka <command> --help` for a command's options.",
    );

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
          { topic: o.topic, subTopic: o.subTopic, status: o.status as TaskStatus | undefined },
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
    .description("count tasks per topic and status; show paused topics")
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

  cli.command("serve")
    .description("serve the HTTP API and the dashboard (/ui) on this database")
    .option("--port <port>", "TCP port (env PORT; default 8787)", port)
    .option("--host <host>", "address to listen on", listenAddress, "127.0.0.1")
    .option(
      "--allowed-host <name>",
      "also answer requests that name the server so (repeatable; localhost, IP addresses and --host always)",
      allowedHost,
    )
    .option("--allowed-origin <origin>", "let pages of this origin send writes (repeatable)", allowedOrigin)
    .action(async (o, cmd: Command) => {
      const g = cmd.optsWithGlobals<Global>();
      const options = serveOptions(o, process.env); // before the store opens: a bad PORT creates nothing
      await serve(open(g, true), options);
    });

  cli.command("work")
    .description("run a worker process on a topic; SIGINT or SIGTERM stops it gracefully")
    .requiredOption("--topic <topic>", "the topic to take tasks from")
    .requiredOption("--handler <file>", "a module whose default export (or `pfn`) is the processor function")
    .option("--concurrency <n>", "tasks at once (default 1)", int("concurrency"))
    .option("--lease-time <duration>", "lease per reservation, kept alive while running", duration)
    .option("--timeout <duration>", "abort a task's function after this long", duration)
    .option("--max-attempts <n>", "default attempts for tasks without their own", int("max-attempts"))
    .action(async (o, cmd: Command) => {
      const g = cmd.optsWithGlobals<Global>();
      await work(open(g, true), {
        topic: o.topic,
        handler: o.handler,
        concurrency: o.concurrency,
        leaseTimeMs: o.leaseTime,
        timeoutMs: o.timeout,
        maxAttempts: o.maxAttempts,
        json: g.json ?? false,
      });
    });

  return cli;
}

/** Runs the CLI on `argv` (without the runtime and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version print and exit 0; every other commander error is a usage error (already printed)
      return e.exitCode === 0 ? 0 : 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`sokka: ${message.replace(/\s*\n\s*/g, " ")}\n`);
    if (e instanceof CliError) return e.exitCode;
    if (e instanceof TaskError && e.type === "bad-request") return 2;
    return 1;
  }
}
