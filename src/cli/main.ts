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

import process from "node:process";
import { Command, CommanderError } from "commander";
import { TaskError } from "../errors.ts";
import { duration, int } from "./arg-parsers.ts";
import { CliError } from "./cli-error.ts";
import { type GlobalOptions, openStore } from "./context.ts";
import { serve } from "./serve.ts";
import { allowedHost, allowedOrigin, listenAddress, port, serveOptions } from "./serve-options.ts";
import { VERSION } from "../version.ts";
import { work } from "./work.ts";
import { addStoreCommands } from "./store-commands.ts";
import { addTaskCommands } from "./task-commands.ts";
import { addScheduleCommands } from "./schedule-commands.ts";
import { addFlowCommands } from "./flow-commands.ts";
import { addLimitCommands } from "./limit-commands.ts";
import { runScheduler } from "./scheduler.ts";

/** The program and its commands (the binary, bin.ts, runs `main`). */
export function program(): Command {
  const cli = new Command("sokka")
    .description(
      "Create, inspect and manage the tasks and schedules of a sokka queue, run a worker or a scheduler, " +
        "or serve the dashboard.",
    )
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

  addTaskCommands(cli);
  addFlowCommands(cli);
  addStoreCommands(cli);
  addLimitCommands(cli);
  addScheduleCommands(cli);

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
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const options = serveOptions(o, process.env); // before the store opens: a bad PORT creates nothing
      await serve(openStore(g, true), options);
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
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await work(openStore(g, true), {
        topic: o.topic,
        handler: o.handler,
        concurrency: o.concurrency,
        leaseTimeMs: o.leaseTime,
        timeoutMs: o.timeout,
        maxAttempts: o.maxAttempts,
        json: g.json ?? false,
      });
    });

  cli.command("scheduler")
    .description("fire the schedules' due slots until SIGINT or SIGTERM (workers fire their own topics' too)")
    .option("--topic <topic...>", "only the schedules of these topics (default all)")
    .action(async (o, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runScheduler(openStore(g, true), { topics: o.topic, json: g.json ?? false });
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
