/**
 * newId(): the time in 10 base36 characters, then 15 characters drawn at random at a millisecond's first
 * id and counted up by one for each further id in it — never repeated, ordered by time, ever growing.
 */
import { expect, it, vi } from "vitest";
import { newId } from "../src/ids.ts";

const timeOf = (id: string) => parseInt(id.slice(0, 10), 36);
const tailOf = (id: string) => [...id.slice(10)].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n);

it("gives 100,000 distinct 25-character base36 ids, time first, each greater than the one before", () => {
  const before = Date.now();
  const ids = Array.from({ length: 100_000 }, newId);
  const after = Date.now();
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[0-9a-z]{25}$/);
  for (const id of [ids[0], ids.at(-1)!]) {
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(after);
  }
  // text order is the order they were made in
  for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
  // within a millisecond the tail counts up by one; a new millisecond starts from a fresh random tail
  let fresh = 0;
  for (let i = 1; i < ids.length; i++) {
    if (timeOf(ids[i]) === timeOf(ids[i - 1])) expect(tailOf(ids[i])).toBe(tailOf(ids[i - 1]) + 1n);
    else fresh++;
  }
  expect(fresh).toBeGreaterThan(0);
});

it("draws each millisecond's first tail at random: every digit about 1/36 of the time", () => {
  // the first id of 1,000 different milliseconds; their 11 leading tail digits (counting up never reaches them here)
  const counts = new Map<string, number>();
  for (let n = 0; n < 1000; n++) {
    const ms = Date.now();
    while (Date.now() === ms); // the next millisecond's first id
    const id = newId();
    for (const c of id.slice(10, 21)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  expect(counts.size).toBe(36);
  for (const n of counts.values()) {
    expect(n).toBeGreaterThan(11_000 / 36 * 0.75);
    expect(n).toBeLessThan(11_000 / 36 * 1.25);
  }
});

it("keeps growing when the clock is set back", () => {
  const first = newId();
  const now = vi.spyOn(Date, "now").mockReturnValue(timeOf(first) - 60_000);
  try {
    const later = Array.from({ length: 1000 }, newId);
    expect(later[0] > first).toBe(true);
    for (let i = 1; i < later.length; i++) expect(later[i] > later[i - 1]).toBe(true);
    expect(timeOf(later.at(-1)!)).toBe(timeOf(first));
  } finally {
    now.mockRestore();
  }
});
