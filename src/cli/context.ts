/**
 * What every `sokka` command shares: the global options, the store it opens
 * on them, and how it prints a result (a table, or JSON with `--json`).
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import type { Command } from "commander";
import { createTaskQ } from "../libsql/taskq.ts";
import { filePath } from "../libsql/file-driver.ts";
import { safeUrl } from "../libsql/url.ts";
import type { TaskQ } from "../types.ts";
import { CliError } from "./cli-error.ts";

/** The options every command takes. */
export interface GlobalOptions {
  url?: string;
  authToken?: string;
  json?: boolean;
}

/** Opens the store on `--url` / SOKKA_URL; `mayCreate`: a missing `file:` database may be created. */
export function openStore(g: GlobalOptions, mayCreate: boolean): TaskQ {
  const url = g.url ?? process.env.SOKKA_URL ?? "file:sokka.db";
  if (!mayCreate && (url.startsWith("file:") && !url.startsWith("file::memory:")) && !existsSync(filePath(url))) {
    throw new CliError(`no database at ${filePath(url)} (${safeUrl(url)}); pass --url or set SOKKA_URL`, 1);
  }
  return createTaskQ({ url, authToken: g.authToken ?? process.env.SOKKA_AUTH_TOKEN });
}

/** Prints `value` as JSON with `--json`, else as `human(value)`. */
export function print<T>(g: GlobalOptions, value: T, human: (v: T) => string): void {
  process.stdout.write(`${g.json ? JSON.stringify(value) : human(value)}\n`);
}

/** Runs `body` on an opened store and closes it, whatever happens. */
export async function withStore(cmd: Command, mayCreate: boolean, body: (q: TaskQ, g: GlobalOptions) => Promise<void>) {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const taskq = openStore(g, mayCreate);
  try {
    await body(taskq, g);
  } finally {
    await taskq.close();
  }
}
