/**
 * A SQLite library's error with SQLite's base code (`SQLITE_BUSY`,
 * `SQLITE_FULL`), whichever library raised it: each words its code its own
 * way, and the store reads only the base code (driver-errors.ts).
 *
 * @module
 */

/** An error of a SQLite driver: `code` is SQLite's base code (`SQLITE_BUSY`), `extendedCode` the full one. */
export class SqliteDriverError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extendedCode?: string,
    readonly rawCode?: number,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options); // worded as @libsql/client words its errors
    this.name = "SqliteDriverError";
  }
}

/** SQLite's primary result codes by number (an extended code's low byte). */
const BASE_CODES = [
  "SQLITE_OK",
  "SQLITE_ERROR",
  "SQLITE_INTERNAL",
  "SQLITE_PERM",
  "SQLITE_ABORT",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_NOMEM",
  "SQLITE_READONLY",
  "SQLITE_INTERRUPT",
  "SQLITE_IOERR",
  "SQLITE_CORRUPT",
  "SQLITE_NOTFOUND",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
  "SQLITE_EMPTY",
  "SQLITE_SCHEMA",
  "SQLITE_TOOBIG",
  "SQLITE_CONSTRAINT",
  "SQLITE_MISMATCH",
  "SQLITE_MISUSE",
  "SQLITE_NOLFS",
  "SQLITE_AUTH",
  "SQLITE_FORMAT",
  "SQLITE_RANGE",
  "SQLITE_NOTADB",
  "SQLITE_NOTICE",
  "SQLITE_WARNING",
];

/** Names of the extended codes the store looks at or names (a library that gives only the number: node:sqlite). */
const EXTENDED_CODES: Record<number, string> = {
  275: "SQLITE_CONSTRAINT_CHECK",
  1299: "SQLITE_CONSTRAINT_NOTNULL",
  1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
  1811: "SQLITE_CONSTRAINT_TRIGGER",
  2067: "SQLITE_CONSTRAINT_UNIQUE",
  1032: "SQLITE_READONLY_DBMOVED",
};

/**
 * A library's error with SQLite's base code. Each words its code its own way:
 * `libsql` (`rawCode`, the extended number), `node:sqlite` (`errcode`),
 * `bun:sqlite` (`errno` and `code`), `better-sqlite3` (`code`, the extended
 * name). Anything else (a TypeError of a bad argument) is passed on.
 */
export function toDriverError(e: unknown): unknown {
  if (e instanceof SqliteDriverError) return e;
  const err = (e ?? {}) as { code?: unknown; rawCode?: unknown; errcode?: unknown; errno?: unknown; message?: unknown };
  const named = typeof err.code === "string" && err.code.startsWith("SQLITE_") ? err.code : undefined;
  const number = [err.rawCode, err.errcode, named || err.code === "ERR_SQLITE_ERROR" ? err.errno : undefined]
    .find((n): n is number => typeof n === "number" && n > 0);
  if (!named && number === undefined) return e;
  const base = number !== undefined
    ? BASE_CODES[number & 0xff] ?? `SQLITE_UNKNOWN_${number & 0xff}`
    : /^SQLITE_[A-Z]+/.exec(named!)![0];
  const extended = named ?? (number !== undefined ? EXTENDED_CODES[number] : undefined) ?? base;
  return new SqliteDriverError(String(err.message), base, extended, number, { cause: e });
}

/** Any error of a library as a `SqliteDriverError` (one that is not SQLite's, a TypeError of a bad argument: misuse). */
export function asDriverError(e: unknown): SqliteDriverError {
  const mapped = toDriverError(e);
  if (mapped instanceof SqliteDriverError) return mapped;
  return new SqliteDriverError(String((e as Error)?.message ?? e), "SQLITE_MISUSE", "SQLITE_MISUSE", 21, { cause: e });
}
