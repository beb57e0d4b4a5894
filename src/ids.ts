/**
 * Random ids from the Web Crypto API: 128 bits written in compact base36.
 *
 * @module
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** Random bytes fetched 4 KiB at a time: one `getRandomValues` call per 256 ids instead of one per id. */
const pool = new Uint8Array(4096);
let next = pool.length;

/** A fresh 128-bit random id in base36 (at most 25 characters). */
export function newId(): string {
  if (next + 16 > pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  let hex = "0x";
  for (let i = next; i < next + 16; i++) hex += HEX[pool[i]];
  next += 16; // every byte is used once
  return BigInt(hex).toString(36);
}
