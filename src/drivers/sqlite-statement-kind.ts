/**
 * What a statement does, told from its text: whether it only reads, writes,
 * or returns rows (for a library that cannot say).
 *
 * @module
 */

/**
 * Whether a statement only reads, so that `get()` may answer it. A write
 * (`INSERT`/`UPDATE … RETURNING`) is always read with `all()`: `get()` steps
 * once and then resets the statement, and most libraries do not report an
 * auto-commit that fails at that reset (a full disk): the row comes back
 * though nothing was stored. `all()` steps to the end, where the commit's
 * error surfaces (docs/store.md, "Acknowledged means committed").
 */
export function readsOnly(sql: string): boolean {
  return /^\s*(SELECT|VALUES)\b/i.test(sql) ||
    (/^\s*WITH\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql)) ||
    /^\s*PRAGMA\s+\w+\s*$/i.test(sql);
}

/** Whether a statement changes rows (not a read, not a PRAGMA, not a transaction's own BEGIN/COMMIT/ROLLBACK). */
export function isWrite(sql: string): boolean {
  return /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql) ||
    (/^\s*WITH\b/i.test(sql) && /\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql));
}

/** Whether a statement returns rows, by its text (for a library that cannot say): a read, or a write with RETURNING. */
export function readsRows(sql: string): boolean {
  return readsOnly(sql) || /\bRETURNING\b/i.test(sql) || /^\s*PRAGMA\s+\w+\s*=/i.test(sql);
}
