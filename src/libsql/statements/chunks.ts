/**
 * How bulk statements split so that each stays within the strictest host's
 * limits (Cloudflare D1: no string argument over 2,000,000 bytes, at most 5
 * terms in a compound SELECT), whatever the number and size of the rows.
 *
 * @module
 */

/** Most bytes of a statement's one JSON argument: D1 refuses a string over 2,000,000 bytes. */
export const MAX_ARG_BYTES = 1_900_000;

/** Most terms of one compound SELECT: D1 in workerd refuses a sixth ("too many terms in compound SELECT"). */
export const MAX_COMPOUND_TERMS = 5;

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

/**
 * `terms` (whole SELECTs) joined by `op`, nested so that no compound SELECT
 * has more than `MAX_COMPOUND_TERMS` terms: `SELECT * FROM (a op b op …)`
 * groups, joined again. Rows come out as from the flat compound (UNION ALL
 * keeps the terms' order).
 */
export function compound(terms: string[], op: "UNION" | "UNION ALL"): string {
  if (terms.length <= MAX_COMPOUND_TERMS) return terms.join(`\n  ${op} `);
  const groups: string[] = [];
  for (let i = 0; i < terms.length; i += MAX_COMPOUND_TERMS) {
    const group = terms.slice(i, i + MAX_COMPOUND_TERMS);
    groups.push(group.length === 1 ? group[0] : `SELECT * FROM (${group.join(`\n  ${op} `)})`);
  }
  return compound(groups, op);
}
