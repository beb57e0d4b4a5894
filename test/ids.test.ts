/** newId(): the time in 10 base36 characters, then 15 random ones — never repeated, ordered by time. */
import { expect, it } from "vitest";
import { newId } from "../src/ids.ts";

it("gives 100,000 distinct 25-character base36 ids: time first, 15 random characters after", () => {
  const before = Date.now();
  const ids = Array.from({ length: 100_000 }, newId); // ~270 ids per 4 KiB pool: ~370 refills
  const after = Date.now();
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[0-9a-z]{25}$/);
  // the first 10 characters are the creation time in ms
  const timeOf = (id: string) => parseInt(id.slice(0, 10), 36);
  for (const id of [ids[0], ids.at(-1)!]) {
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(after);
  }
  // text order follows time: ids of a later millisecond sort after
  const times = [...ids].sort().map(timeOf);
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  // the random tail is uniform over the 36 digits: each digit at each place about 1/36 of the time
  for (let place = 10; place < 25; place++) {
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id[place], (counts.get(id[place]) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(100_000 / 36 * 0.85);
      expect(n).toBeLessThan(100_000 / 36 * 1.15);
    }
  }
});
