/**
 * Task ids: time-ordered like UUIDv7 — the epoch milliseconds as 10 base36
 * characters, then 15 random base36 characters (77.5 bits from the Web Crypto
 * API): 25 characters, zero-padded, so text order is time order. A new
 * task's id then lands at the end of the unique index instead of at a random
 * page of it. Written digit by digit, not through a 128-bit BigInt: 4.3M ids/s
 * against 1.3M, each through JSON.stringify (the BigInt's `toString(36)` was a
 * tenth of a bulk create's time).
 *
 * @module
 */

const DIGITS = Array.from("0123456789abcdefghijklmnopqrstuvwxyz", (c) => c.charCodeAt(0));
/** Random bytes fetched 4 KiB at a time: one `getRandomValues` call per ~270 ids instead of one per id. */
const pool = new Uint8Array(4096);
let next = pool.length;
/** The character codes of the id being made; the first 10 (the time) change once per millisecond. */
const codes: number[] = new Array(25).fill(0);
let lastMs = -1;

/** A fresh id: 10 base36 characters of time, 15 random ones. */
export function newId(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    const time = ms.toString(36).padStart(10, "0");
    for (let i = 0; i < 10; i++) codes[i] = time.charCodeAt(i);
  }
  for (let k = 10; k < 25;) {
    if (next === pool.length) {
      crypto.getRandomValues(pool);
      next = 0;
    }
    const b = pool[next++];
    // 252 = 7 × 36: a byte past it would make the first digits likelier, so it is skipped
    if (b < 252) codes[k++] = DIGITS[b % 36];
  }
  // one flat string (a string grown by += is a rope that JSON.stringify and SQLite must flatten later)
  return String.fromCharCode.apply(null, codes);
}
