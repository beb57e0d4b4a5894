/** newId(): 48 bits of time and 80 random bits in 25 base36 characters — never repeated, ordered by time. */
import { expect, it } from "vitest";
import { newId } from "../src/ids.ts";

it("gives 100,000 distinct 25-character base36 ids: time first, 80 random bits after", () => {
  const before = Date.now();
  const ids = Array.from({ length: 100_000 }, newId); // 409 ids per 4 KiB pool: 245 refills
  const after = Date.now();
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[0-9a-z]{25}$/);
  const values = ids.map((id) => [...id].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n));
  expect(values.every((v) => v < 2n ** 128n)).toBe(true);
  // the top 48 bits are the creation time in ms
  for (const v of [values[0], values.at(-1)!]) {
    const ms = Number(v >> 80n);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  }
  // text order follows time: ids of a later millisecond sort after
  const timeOf = new Map(ids.map((id, i) => [id, Number(values[i] >> 80n)]));
  const times = [...ids].sort().map((id) => timeOf.get(id)!);
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  // the random tail: its lowest bit is set in about half of them
  const odd = values.filter((v) => v % 2n === 1n).length;
  expect(odd).toBeGreaterThan(45_000);
  expect(odd).toBeLessThan(55_000);
});
