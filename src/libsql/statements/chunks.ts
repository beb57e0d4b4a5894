/**
 * How bulk statements split so that each stays within the strictest host's
 * limits (Cloudflare D1: no string argument over 2,000,000 bytes), whatever
 * the number and size of the rows. (Compound SELECTs: compound.ts.)
 *
 * @module
 */

/** Most bytes of a statement's one JSON argument: D1 refuses a string over 2,000,000 bytes. */
export const MAX_ARG_BYTES = 1_900_000;

/**
 * The UTF-8 size of `s` written as a JSON string (without its quotes), or
 * for a short one its bound: 6 bytes per UTF-16 unit (`\u001f`), with no
 * pass over it. A row's data is JSON text, so its quotes and backslashes are
 * escaped again inside a statement's JSON argument.
 */
export function jsonStringBound(s: string): number {
  if (s.length <= 2_048) return s.length * 6;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // a control character as \u00XX (6), a quote or backslash escaped (2); else UTF-8: 1, 2, or 3 (2 per surrogate unit)
    n += c < 0x20 ? 6 : c === 0x22 || c === 0x5c ? 2 : c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
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
