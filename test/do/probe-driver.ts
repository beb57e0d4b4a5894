/**
 * A driver in this process whose every statement runs in a Durable Object in
 * workerd: it POSTs the statements to the harness's probe object, which runs
 * them through `durableObjectSql(ctx.storage)` (one `transactionSync` per
 * batch) and answers the rows, or the driver's error by its SQLite code. The
 * store's logic runs here, in Node; every statement of it runs in the object's
 * SQLite, through the Durable Object driver.
 */
import type { InValue } from "@libsql/client";
import type { Driver, Result, Statement, StoreDriver } from "../../src/drivers/driver.ts";
import { DURABLE_OBJECT_PROTOCOL } from "../../src/drivers/durable-object.ts";
import { SqliteDriverError } from "../../src/libsql/sqlite-errors.ts";

/** A statement as JSON carries it (no bigint, no Date). */
function plain(stmt: Statement): { sql: string; args: unknown[] } {
  if (typeof stmt === "string") return { sql: stmt, args: [] };
  const args = (stmt.args ?? []) as InValue[];
  if (!Array.isArray(args)) throw new TypeError("positional arguments only");
  return {
    sql: stmt.sql,
    args: args.map((v) => typeof v === "bigint" ? Number(v) : v instanceof Date ? v.valueOf() : v),
  };
}

/** The driver of the probe object `name` of the harness at `base`. */
export function probeDriver(base: string, name: string): StoreDriver & Driver {
  let closed = false;
  const send = async (stmts: Statement[], batch: boolean, mode?: string): Promise<Result[]> => {
    if (closed) throw new SqliteDriverError("The client is closed", "CLIENT_CLOSED");
    const res = await fetch(`${base}/probe/${encodeURIComponent(name)}/sql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ stmts: stmts.map(plain), batch, mode }),
    });
    if (!res.ok) throw new Error(`the probe answered ${res.status}: ${await res.text()}`);
    const body = await res.json() as {
      results?: Result[];
      error?: { name: string; message: string; code?: string; extendedCode?: string };
    };
    if (body.error) {
      const e = body.error;
      if (e.code?.startsWith("SQLITE_") || e.code === "CLIENT_CLOSED") {
        throw new SqliteDriverError(e.message.replace(/^[A-Z_]+: /, ""), e.code, e.extendedCode);
      }
      throw e.name === "TypeError" ? new TypeError(e.message) : new Error(e.message);
    }
    return body.results!;
  };
  return {
    sokkaDriver: true,
    protocol: DURABLE_OBJECT_PROTOCOL,
    name: "durable-object-sql",
    get closed() {
      return closed;
    },
    execute: (stmt) => send([stmt], false).then((rs) => rs[0]),
    batch: (stmts, mode) => send(stmts, true, mode),
    close() {
      closed = true;
    },
  };
}
