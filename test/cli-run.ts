/**
 * Running the real `sokka` binary in its own process, for the CLI tests:
 * dist/src/cli/bin.js under Node, src/cli/bin.ts under Bun and Deno.
 */
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { spawnProcess } from "./processes.ts";

/** The repository's root, with a trailing slash. */
export const root = fileURLToPath(new URL("..", import.meta.url));
/** The built binary. */
export const BIN = `${root}dist/src/cli/bin.js`;

/** How a run ended and what it printed. */
export type Run = { code: number | null; stdout: string; stderr: string };

/** Runs the binary to its end. */
export function sokka(
  args: string[],
  env: Record<string, string> = {},
  runtime: "node" | "bun" | "deno" = "node",
): Promise<Run> {
  const [cmd, pre] = runtime === "node"
    ? ["node", [BIN]]
    : runtime === "bun"
    ? [`${root}node_modules/.bin/bun`, [`${root}src/cli/bin.ts`]]
    : [`${root}node_modules/.bin/deno`, ["run", "-A", `${root}src/cli/bin.ts`]];
  return spawnProcess(cmd, [...pre, ...args], { env }).exit as Promise<Run>;
}

/** Runs it and parses its `--json` output, failing with its stderr if it did not exit 0. */
export async function sokkaJson<T>(args: string[], env: Record<string, string>): Promise<T> {
  const r = await sokka([...args, "--json"], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A refusal: one line on stderr, starting `sokka: `. */
export const oneLine = (r: Run) => {
  expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^sokka: /);
};
