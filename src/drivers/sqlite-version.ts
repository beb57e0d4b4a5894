/**
 * SQLite versions and the WAL-reset bug: SQLite 3.7.0 to 3.51.2 can lose a
 * committed transaction (or corrupt the file) when a write that resets the
 * WAL races a checkpoint of another connection (sqlite.org/wal.html, "The
 * WAL-Reset Bug"; fixed in 3.51.3, back-ported to 3.44.6 and 3.50.7).
 *
 * @module
 */

/** The `code` of the store's `warning` event about it. */
export const WAL_RESET_WARNING = "sqlite-wal-reset-bug" as const;

/** What the bug does, for warnings. */
export const WAL_RESET_BUG = "carries the WAL-reset bug (SQLite 3.7.0 to 3.51.2): with several processes on " +
  "one database file, a committed write can be lost or the file corrupted.";

/**
 * Whether a SQLite version is free of the WAL-reset bug: 3.51.3 or later, or
 * the back-ports 3.44.6 (and later 3.44.x) and 3.50.7 (and later 3.50.x).
 */
export function isPatched(version: string): boolean {
  const [major, minor, patch] = version.split(".").map((n) => Number(n));
  if (major !== 3) return major > 3;
  if (minor === 44) return patch >= 6;
  if (minor === 50) return patch >= 7;
  if (minor === 51) return patch >= 3;
  return minor > 51 || minor < 7;
}

/** The warning for an injected `@libsql/client` on a file whose SQLite carries the bug. */
export function injectedWarning(version: string): string {
  return `SQLite ${version} (through the injected @libsql/client on a file: database) ${WAL_RESET_BUG} ` +
    "Fix: give createTaskQ the url instead of a client: sokka then opens the file with a SQLite without the bug.";
}
