/**
 * `sokka work`: a worker process. The handler module's default export (or
 * its export `pfn`) is the processor function. SIGINT or SIGTERM stops it
 * gracefully: no new task is taken, running ones finish (up to the worker's
 * timeout), then the store closes; a second signal hands running tasks back
 * at once.
 *
 * @module
 */

import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import type { ProcessorFn, TaskQ } from "../types.ts";
import { worker } from "../worker/worker.ts";
import { CliError } from "./cli-error.ts";

/** What `sokka work` was asked to run. */
export interface WorkOptions {
  topic: string;
  handler: string;
  concurrency?: number;
  leaseTimeMs?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  /** Events as JSON lines on stdout instead of words on stderr. */
  json: boolean;
}

async function loadHandler(file: string): Promise<ProcessorFn> {
  let mod: { default?: unknown; pfn?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(file)).href);
  } catch (e) {
    const ts = /\.[cm]?tsx?$/.test(file) && (e as { code?: string }).code === "ERR_UNKNOWN_FILE_EXTENSION";
    throw new CliError(
      ts
        ? `cannot load ${file}: this Node runs no TypeScript; use a .js/.mjs handler, or run sokka under Bun or Deno`
        : `cannot load ${file}: ${(e as Error).message}`,
      2,
    );
  }
  const pfn = typeof mod.default === "function" ? mod.default : mod.pfn;
  if (typeof pfn !== "function") {
    throw new CliError(`${file} exports no processor function (export default async (task) => ok())`, 2);
  }
  return pfn as ProcessorFn;
}

/** Runs the worker until SIGINT or SIGTERM. */
export async function work(taskq: TaskQ, o: WorkOptions): Promise<void> {
  let pfn: ProcessorFn;
  try {
    pfn = await loadHandler(o.handler);
  } catch (e) {
    await taskq.close();
    throw e;
  }
  const w = worker({
    taskq,
    topic: o.topic,
    pfn,
    concurrency: o.concurrency,
    leaseTimeMs: o.leaseTimeMs,
    timeoutMs: o.timeoutMs,
    maxAttempts: o.maxAttempts,
  });
  // an event's detail is the task, { task, … } (timeout, lease-lost) or the error itself (error)
  const log = (event: string, detail: unknown) => {
    const d = (detail ?? {}) as { taskId?: string; task?: { taskId?: string }; error?: unknown };
    const taskId = d.taskId ?? d.task?.taskId;
    const error = event === "error" ? detail : event === "failed" || event === "lease-lost" ? d.error : undefined;
    const why = error instanceof Error ? error.message : typeof error === "string" ? error : undefined;
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ event, taskId, ...(why !== undefined ? { error: why } : {}) })}\n`);
    } else process.stderr.write(`sokka: ${event}${taskId ? ` ${taskId}` : ""}${why !== undefined ? `: ${why}` : ""}\n`);
  };
  for (
    const event of [
      "completed",
      "failed",
      "snoozed",
      "timeout",
      "cancelled",
      "lease-lost",
      "released",
      "error",
    ] as const
  ) {
    w.addEventListener(event, (e) => log(event, (e as CustomEvent).detail));
  }
  process.stderr.write(`sokka: working on ${o.topic}; Ctrl-C stops after running tasks finish\n`);
  let signals = 0;
  await new Promise<void>((done) => {
    const stop = () => {
      if (++signals === 1) {
        process.stderr.write("sokka: stopping: waiting for running tasks (signal again to hand them back)\n");
        w.stop({ drain: true }).then(done, done);
      } else {
        w.stop().then(done, done);
      }
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await taskq.close();
}
