/** Spawning child processes (the test's own runtime running the built package) and collecting what they print. */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { currentRuntime } from "../src/drivers/select.ts";
import type { SqliteDriverName } from "../src/drivers/sqlite-library.ts";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export interface Child {
  pid: number;
  /** Resolves when the process exits, with its exit code, signal and output. */
  exit: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process prints a line containing `text`. */
  printed(text: string): Promise<void>;
}

/**
 * Starts `fixtures/<script> ...args` in the runtime and binary the tests run
 * in (`npm run test:node24` runs its children on Node 24 too; Bun and Deno
 * theirs). `driver` names the SQLite library the child's store opens
 * (SOKKA_DRIVER, read by every fixture); without it, the runtime's default.
 */
export function spawnFixture(script: string, args: string[], opts: { driver?: SqliteDriverName } = {}): Child {
  const pre = currentRuntime() === "deno" ? ["run", "-A"] : [];
  return spawnProcess(process.execPath, [...pre, FIXTURES + script, ...args], {
    env: { SOKKA_DRIVER: opts.driver ?? "" },
  });
}

/**
 * A child's stderr without Node 22's one-line notice that `node:sqlite` is
 * experimental (printed once per process that loads it; Node 24 no longer
 * prints it): what is left is the child's own complaints.
 */
export function complaints(stderr: string): string {
  return stderr
    .replace(/^\(node:\d+\) ExperimentalWarning: SQLite is an experimental feature[^\n]*\n/m, "")
    .replace(/^\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n/m, "");
}

/** Starts any command (e.g. `node_modules/.bin/bun`), output collected like a fixture's. */
export function spawnProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Child {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on("data", (d) => {
    stdout += d;
    for (const w of [...waiters]) {
      if (stdout.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.on("data", (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  );
  return {
    pid: child.pid!,
    exit,
    // By pid, not child.kill(): Deno (2.9.6) then reports the signal it sent as the way the child ended, even
    // when the child caught it and exited 0 by itself (a SIGTERM handler); Node reports the same either way.
    kill: (signal = "SIGKILL") => {
      try {
        process.kill(child.pid!, signal);
      } catch {
        // already gone
      }
    },
    printed: (text) =>
      stdout.includes(text) ? Promise.resolve() : new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve });
        void exit.then((r) => reject(new Error(`process exited before printing ${text}: ${r.stderr}`)));
      }),
  };
}

/** A TCP port free on 127.0.0.1 right now (taken and released), for a server another process will open. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    }).on("error", reject);
  });
}
