/**
 * Compound SELECTs within the terms Cloudflare's SQLite allows: D1 and
 * Durable Objects cap one compound SELECT at 5 terms
 * (`SQLITE_LIMIT_COMPOUND_SELECT`; SQLite's default is 500); a sixth fails
 * with "too many terms in compound SELECT". The limit counts the terms of one
 * chain, so a longer one is nested: groups of at most 5, each a subquery.
 *
 * @module
 */

/** Most terms in one compound SELECT (Cloudflare D1 and Durable Object SQLite). */
export const MAX_COMPOUND_TERMS = 5;

/**
 * `terms` joined by `op` in their order, nested (`SELECT <columns> FROM (…)`
 * per group) where there are more than `MAX_COMPOUND_TERMS`: the rows and
 * their order are those of the flat chain.
 */
export function compound(terms: string[], op: "UNION" | "UNION ALL", columns: string): string {
  if (terms.length <= MAX_COMPOUND_TERMS) return terms.join(`\n  ${op} `);
  const groups: string[] = [];
  for (let i = 0; i < terms.length; i += MAX_COMPOUND_TERMS) {
    const group = terms.slice(i, i + MAX_COMPOUND_TERMS);
    groups.push(group.length === 1 ? group[0] : `SELECT ${columns} FROM (${group.join(`\n  ${op} `)})`);
  }
  return compound(groups, op, columns);
}
