/**
 * The store's statement arguments as a SQLite library binds them: values in
 * SQLite's types, and `?NNN` parameters rewritten to plain `?` for a library
 * that binds numbered ones only by name.
 *
 * @module
 */

import type { InArgs, InValue } from "@libsql/client";

/**
 * A statement's `?NNN` parameters as plain `?`, and which argument each one
 * takes (skipping string literals, quoted names and comments). A text that
 * mixes `?` and `?NNN` is refused: which argument a plain `?` takes then
 * depends on the numbers before it.
 */
export function positional(sql: string): { sql: string; order: number[] | null } {
  const order: number[] = [];
  let out = "";
  let plain = false;
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    const end = c === "'" || c === '"' || c === "`"
      ? sql.indexOf(c, i + 1) + 1
      : c === "["
      ? sql.indexOf("]", i + 1) + 1
      : c === "-" && sql[i + 1] === "-"
      ? (sql.indexOf("\n", i) + 1 || sql.length)
      : c === "/" && sql[i + 1] === "*"
      ? sql.indexOf("*/", i + 2) + 2
      : -1;
    if (end > 0) {
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (end === 0 || end === 1) throw new TypeError(`unterminated quote or comment in: ${sql.slice(0, 80)}`);
    if (c === "?") {
      const m = /^\d+/.exec(sql.slice(i + 1));
      if (m) order.push(Number(m[0]) - 1);
      else plain = true;
      out += "?";
      i += 1 + (m ? m[0].length : 0);
      continue;
    }
    out += c;
    i++;
  }
  if (plain && order.length) throw new TypeError(`a statement mixes ? and ?NNN parameters: ${sql.slice(0, 80)}`);
  return order.length ? { sql: out, order } : { sql, order: null };
}

/** A value as SQLite stores it (booleans as 0/1, dates as epoch ms, buffers as bytes). */
function toSqliteValue(v: InValue): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.valueOf();
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return v;
}

/** The store's arguments as a library takes them: positional, in `order` when it was rewritten. */
export function bindArgs(args: InArgs | undefined, order: number[] | null): unknown[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) {
    throw new TypeError("the store's SQLite driver takes positional arguments only (?1, ?2, …)");
  }
  // a parameter with no argument is NULL, as SQLite binds it
  if (order) return order.map((i) => (i < args.length ? toSqliteValue(args[i]) : null));
  return args.map(toSqliteValue);
}
