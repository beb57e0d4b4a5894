/** Spawning child processes (plain Node running the built package) and collecting what they print. */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export interface Child {
  pid: number;
  /** Resolves when the process exits, with its exit code, signal and output. */
  exit: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process prints a line containing `text`. */
  printed(text: string): Promise<void>;
}

/** Starts `node fixtures/<script> ...args`. */
export function spawnFixture(script: string, args: string[]): Child {
  return spawnProcess("node", [FIXTURES + script, ...args]);
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
    kill: (signal = "SIGKILL") => child.kill(signal),
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
