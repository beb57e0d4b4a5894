/**
 * `runStatementsSync`: the statements of `enqueueBatch` / `completeBatch`
 * run on the caller's own connection of a synchronous SQLite library
 * (`better-sqlite3`, `node:sqlite`, `bun:sqlite`, `libsql`), inside the
 * caller's own transaction. The one adapter they need: the statements'
 * numbered parameters (`?1`) rewritten to plain `?` (better-sqlite3 binds
 * numbered ones only by name), and a statement that returns no rows run
 * with `run()` (better-sqlite3's `all()` refuses one).
 *
 * @module
 */

import type { BatchStatement, SyncDatabase } from "../types.ts";
import { bindArgs, positional } from "./sqlite-params.ts";

/**
 * Runs `statements` in order on `db` and returns each one's rows, ready for
 * `read()`. It opens no transaction: call it inside yours
 * (`db.transaction(fn)` in better-sqlite3, `BEGIN IMMEDIATE … COMMIT` in
 * `node:sqlite` and `bun:sqlite`), so that a refused statement (a lost lease,
 * an existing id) throws and your rollback undoes your own writes too.
 *
 * @example
 * ```ts
 * import Database from "better-sqlite3";
 * const db = new Database("app.db");
 * const batch = enqueueBatch(taskq, { topic: "email", data: { to: "a@example.com" } });
 * const results = db.transaction(() => {
 *   db.prepare("INSERT INTO signups (email) VALUES (?)").run("a@example.com");
 *   return runStatementsSync(db, batch.statements);
 * })();
 * notifyCommitted(taskq, batch.read(results));
 * ```
 */
export function runStatementsSync(
  db: SyncDatabase,
  statements: readonly BatchStatement[],
): Record<string, unknown>[][] {
  return statements.map(({ sql, args }) => {
    const { sql: text, order } = positional(sql);
    const stmt = db.prepare(text);
    const values = bindArgs(args, order);
    if (stmt.reader === false) {
      stmt.run(...values);
      return [];
    }
    return stmt.all(...values) as Record<string, unknown>[];
  });
}
