/**
 * How bulk statements split so that each stays within the strictest host's
 * limits (Cloudflare D1: no string argument over 2,000,000 bytes), whatever
 * the number and size of the rows. (Compound SELECTs: compound.ts.)
 *
 * @module
 */

/** Most bytes of a statement's one JSON argument: D1 refuses a string over 2,000,000 bytes. */
export const MAX_ARG_BYTES = 1_900_000;

/** A string's UTF-8 size, or for a short one its bound (3 bytes per UTF-16 unit), with no pass over it. */
export function utf8Bound(s: string | null | undefined): number {
  if (!s) return 0;
  if (s.length <= 2_048) return s.length * 3;
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 2 bytes below U+0800, 3 above; a surrogate pair (2 units) is 4
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/**
 * Runs `[start, end)` of consecutive items, each of at most `maxRows` items
 * whose `sizes` sum to at most `maxBytes` (an item larger alone gets a run
 * of its own: the database then refuses it, as it would any single row).
 */
export function runs(sizes: readonly number[], maxRows: number, maxBytes = MAX_ARG_BYTES): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    if (i > start && (i - start >= maxRows || bytes + sizes[i] > maxBytes)) {
      out.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += sizes[i];
  }
  if (sizes.length) out.push([start, sizes.length]);
  return out;
}
