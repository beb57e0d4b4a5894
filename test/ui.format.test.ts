/** The dashboard's number format and natural order, the same in every runtime and locale. */
import { expect, it } from "vitest";
import { count } from "../src/http/ui/format.ts";
import { naturalCompare } from "../src/http/ui/natural-order.ts";

it("writes counts with a comma every three digits, whatever the locale", () => {
  expect([0, 7, 999, 1000, 12_345, 1_234_567, 10_000_000].map(count)).toEqual([
    "0",
    "7",
    "999",
    "1,000",
    "12,345",
    "1,234,567",
    "10,000,000",
  ]);
});

it("sorts names in natural order: digit runs as numbers of any length, the rest by code point", () => {
  const names = [
    "topic-10",
    "topic-2",
    "b",
    "topic-1",
    "topic-02",
    "topic-99999999999999999999",
    "topic-",
    "a10",
    "a9x",
  ];
  expect([...names].sort(naturalCompare)).toEqual([
    "a9x",
    "a10",
    "b",
    "topic-",
    "topic-1",
    "topic-2",
    "topic-02",
    "topic-10",
    "topic-99999999999999999999",
  ]);
  expect(naturalCompare("x", "x")).toBe(0);
  expect(Math.sign(naturalCompare("a1", "a01"))).toBe(-Math.sign(naturalCompare("a01", "a1")));
});
