/**
 * What a driver's error means to the store: whether it may be retried
 * (`classifyDriverError`) and the `TaskError` it becomes (`toTaskError`), in
 * the store's own words, never the driver's.
 *
 * @module
 */

import { TaskError } from "../errors.ts";
import { SqliteDriverError } from "./sqlite-errors.ts";

/** A call the server did not answer within `requestTimeoutMs`. */
export class RequestTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * What an error of the database's own storage means, in words (SQLite's base
 * codes). These are the store's trouble, not the caller's: `unavailable`,
 * HTTP 503. A write that failed this way did not commit (SQLite rolls the
 * statement or transaction back), so nothing it would have changed is kept.
 */
const STORAGE_TROUBLE: Record<string, string> = {
  SQLITE_FULL: "the disk holding the database is full",
  SQLITE_IOERR: "the database file could not be read or written (an I/O error)",
  SQLITE_CANTOPEN: "the database file cannot be opened (a missing directory, or no permission)",
  SQLITE_READONLY: "the database cannot be written (read-only)",
  SQLITE_READONLY_DBMOVED:
    "the database file was deleted or replaced since the store opened it (restart to open the file now at that path)",
  SQLITE_CORRUPT: "the database file is damaged",
  SQLITE_NOTADB: "the file is not a SQLite database",
  SQLITE_NOMEM: "the database ran out of memory",
  SQLITE_PERM: "access to the database was denied",
  SQLITE_AUTH: "access to the database was denied",
  SQLITE_PROTOCOL: "the database's locks could not be taken",
  SQLITE_NOLFS: "the database file is too large for this system",
};

/** How a driver error is to be treated. */
export function classifyDriverError(
  e: unknown,
): "busy" | "network" | "timeout" | "constraint" | "closed" | "storage" | "other" {
  if (e instanceof RequestTimeout) return "timeout";
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string") {
    // sqld rolls back a transaction that waited or ran past its timeout: nothing was applied, so it is retried as busy
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || code === "TRANSACTION_TIMEOUT") return "busy";
    if (code === "SQLITE_CONSTRAINT") return "constraint";
    if (code === "CLIENT_CLOSED") return "closed";
    if (baseCode(e) in STORAGE_TROUBLE) return "storage";
    if (code.startsWith("SQLITE_")) return "other";
    // hrana / http / websocket failures of a remote database
    if (/^(HRANA_|SERVER_ERROR|HTTP|WEBSOCKET|STREAM_|UNKNOWN)/.test(code)) return "network";
    // Bun's fetch rejects with a TypeError carrying the system's code (ECONNREFUSED, ENOTFOUND, …); a TypeError
    // with another code (node:sqlite's ERR_INVALID_ARG_TYPE for a value it cannot bind) is not the network's
    if (SYSTEM_NETWORK.test(code)) return "network";
    return "other";
  }
  // fetch() rejects with a TypeError when the server cannot be reached (Node, Deno: the code in its cause)
  if (e instanceof TypeError || (e as { name?: unknown })?.name === "AbortError") return "network";
  if (e instanceof Unreached) return "network";
  return "other";
}

/**
 * A remote database's request that failed with a bare error, no code, which
 * only its transport raises (every answer of the server carries one):
 * workerd's fetch rejects so, with "Network connection lost." (refused,
 * reset) or "internal error; reference = …" (a name that does not resolve,
 * an address the Worker may not reach). Made by the connection of a remote
 * store alone: elsewhere such an error is no network's.
 */
export class Unreached extends Error {
  constructor(cause: Error) {
    super("the request did not reach the database server", { cause });
  }
}

/** `e` as a remote store's connection sees it: a bare error of its transport is `Unreached`. */
export function remoteFailure(e: unknown): unknown {
  return e instanceof Error && !(e instanceof TaskError) && !(e instanceof RequestTimeout) &&
      (e as { code?: unknown }).code === undefined && !(e instanceof TypeError) && e.name !== "AbortError"
    ? new Unreached(e)
    : e;
}

/** The system's codes of a connection that failed (and Bun's names for some of them). */
const SYSTEM_NETWORK =
  /^(E(CONNREFUSED|CONNRESET|CONNABORTED|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH|NETDOWN|TIMEDOUT|PIPE|PROTO|ADDRNOTAVAIL)|ConnectionRefused|ConnectionClosed|FailedToOpenSocket)$/;

/**
 * The system's code of a connection that failed (`ECONNREFUSED`), on the
 * error or its cause, to name in the store's words; "" when none. A code is
 * safe to show: it names no host, file or credential.
 */
function networkCode(e: unknown): string {
  for (const x of [e, (e as { cause?: unknown })?.cause]) {
    const code = (x as { code?: unknown })?.code;
    if (typeof code === "string" && (SYSTEM_NETWORK.test(code) || /^(UND_ERR_|ERR_TLS_|ERR_SSL_)/.test(code))) {
      return code;
    }
  }
  return "";
}

/** Which constraint refused a write, from the driver's message ("CHECK constraint failed: x" → "CHECK x"). */
function constraintOf(e: unknown): string {
  const message = String((e as { message?: unknown })?.message ?? "").replace(/^[A-Z_]+: /, "").replace(
    /^SQLite error: /,
    "",
  );
  const m = /^(\w+(?: \w+)?) constraint failed: (.*)$/s.exec(message);
  return (m ? `${m[1]} ${m[2]}` : message).slice(0, 200);
}

/** SQLite's base code of a driver error (`SQLITE_IOERR_WRITE` → `SQLITE_IOERR`), or its code as it is. */
function baseCode(e: unknown): string {
  const code = String((e as { code?: unknown })?.code);
  const m = /^SQLITE_[A-Z]+/.exec(code);
  return m ? m[0] : code;
}

/**
 * What a call to a closed store fails with before `toTaskError` names the
 * call ("createTask: the store is closed"): the error a closed client
 * raises (`CLIENT_CLOSED`), whichever layer found the store closed.
 */
export function clientClosed(): SqliteDriverError {
  return new SqliteDriverError("The client is closed", "CLIENT_CLOSED");
}

/**
 * The `TaskError` a driver error becomes. Its message is the store's own
 * words, never the driver's text: that can name files, URLs (with their
 * credentials) and SQL. The driver's error stays as the `cause`. `call` is
 * what failed: a read (nothing changed, the data could not be read), a write
 * (a timed-out one may or may not have been applied), or the store's opening
 * (tried again by the next call).
 */
export function toTaskError(e: unknown, what: string, call: "read" | "write" | "open" = "write"): TaskError {
  if (e instanceof TaskError) return e;
  const kind = classifyDriverError(e);
  const opts = { cause: e };
  const unavailable = (reason: string) =>
    new TaskError("unavailable", "store-unavailable", `${what}: the store is unavailable: ${reason}`, opts);
  switch (kind) {
    case "busy":
      return unavailable("the database stayed locked by another writer");
    case "network": {
      const code = networkCode(e);
      return unavailable(`the database server could not be reached${code ? ` (${code})` : ""}`);
    }
    case "storage":
      return unavailable(
        STORAGE_TROUBLE[String((e as { extendedCode?: unknown }).extendedCode)] ?? STORAGE_TROUBLE[baseCode(e)],
      );
    case "timeout":
      return new TaskError(
        "unavailable",
        "store-timeout",
        `${what}: the store did not answer within ${(e as RequestTimeout).ms} ms (requestTimeoutMs); ` + ({
          read: "the data could not be read (nothing was changed)",
          write: "a write's outcome is unknown, so it is left to its lease and fence",
          open: "the store could not be opened, and the next call tries again",
        })[call],
        opts,
      );
    case "closed":
      return new TaskError("unavailable", "store-closed", `${what}: the store is closed`, opts);
    case "constraint":
      // not one the store checks for (an existing id is task-already-exists): a schema of another version, a
      // trigger of the user's; named, since that is what the user must look for
      return new TaskError(
        "internal",
        "internal-error",
        `${what}: the database refused the write (constraint: ${constraintOf(e)})`,
        opts,
      );
    default:
      return new TaskError(
        "internal",
        "internal-error",
        `${what}: unexpected store error (the error's cause holds the driver's report)`,
        opts,
      );
  }
}
