/**
 * Task ids: time-ordered like UUIDv7 — 48 bits of the epoch milliseconds,
 * then 80 random bits from the Web Crypto API — written as 25 base36
 * characters (zero-padded, so text order is time order). A new task's id then
 * lands at the end of the unique index instead of at a random page of it.
 *
 * @module
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** Random bytes fetched 4 KiB at a time: one `getRandomValues` call per 409 ids instead of one per id. */
const pool = new Uint8Array(4096);
let next = pool.length;

/** A fresh 128-bit id (48-bit time, 80 random bits) in 25 base36 characters. */
export function newId(): string {
  if (next + 10 > pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  let hex = "0x" + Date.now().toString(16).padStart(12, "0");
  for (let i = next; i < next + 10; i++) hex += HEX[pool[i]];
  next += 10; // every byte is used once
  return BigInt(hex).toString(36).padStart(25, "0");
}
