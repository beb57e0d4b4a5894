/**
 * Proves which runtime the suite runs in: `npm run test:bun` / `test:deno` set SOKKA_EXPECT_RUNTIME, and
 * `npm run test:node22` / `test:node24` SOKKA_EXPECT_NODE (the Node version they downloaded).
 */
import { expect, it } from "vitest";

const g = globalThis as { Bun?: unknown; Deno?: unknown };
const runtime = g.Bun ? "bun" : g.Deno ? "deno" : "node";

it(`runs under the expected runtime (${runtime})`, () => {
  console.log(`[sokka] test runtime: ${runtime}${runtime === "node" ? ` ${process.versions.node}` : ""}`);
  expect(runtime).toBe(process.env.SOKKA_EXPECT_RUNTIME ?? "node");
  if (process.env.SOKKA_EXPECT_NODE) expect(process.versions.node).toBe(process.env.SOKKA_EXPECT_NODE);
});
