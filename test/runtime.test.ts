/** Proves which runtime the suite runs in: `npm run test:bun` / `test:deno` set SOKKA_EXPECT_RUNTIME. */
import { expect, it } from "vitest";

const g = globalThis as { Bun?: unknown; Deno?: unknown };
const runtime = g.Bun ? "bun" : g.Deno ? "deno" : "node";

it(`runs under the expected runtime (${runtime})`, () => {
  console.log(`[sokka] test runtime: ${runtime}`);
  expect(runtime).toBe(process.env.SOKKA_EXPECT_RUNTIME ?? "node");
});
