/** newId(): 128 random bits in base36, from a pooled Web Crypto buffer — never repeated, never malformed. */
import { expect, it } from "vitest";
import { newId } from "../src/ids.ts";

it("gives 100,000 distinct base36 ids of 128 bits across many pool refills", () => {
  const ids = Array.from({ length: 100_000 }, newId); // 256 ids per 4 KiB pool: 391 refills
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[0-9a-z]{1,25}$/);
  const values = ids.map((id) => [...id].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n));
  expect(values.every((v) => v < 2n ** 128n)).toBe(true);
  // the top bit is set in about half of them: all 16 bytes of each id are random
  const top = values.filter((v) => v >= 2n ** 127n).length;
  expect(top).toBeGreaterThan(45_000);
  expect(top).toBeLessThan(55_000);
  // and the low byte too
  const odd = values.filter((v) => v % 2n === 1n).length;
  expect(odd).toBeGreaterThan(45_000);
  expect(odd).toBeLessThan(55_000);
});
