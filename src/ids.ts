/**
 * Random ids from the Web Crypto API: 128 bits written in compact base36.
 *
 * @module
 */

/** A fresh 128-bit random id in base36 (at most 25 characters). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n.toString(36);
}
