/**
 * The store's own driver for a `file:` URL or `:memory:`: `createTaskQ` is
 * synchronous, and the SQLite library is chosen and loaded asynchronously
 * (`src/drivers/select.ts`), so the connection opens at first use. A path
 * that cannot be opened is then a store error (`store-unavailable`, "the
 * database file cannot be opened").
 *
 * @module
 */

import { TaskError } from "../errors.ts";
import { loadFileIdentity } from "../drivers/file-identity.ts";
import { chooseLibrary, DriverUnavailable, NoSqliteLibrary } from "../drivers/select.ts";
import type { Driver, Result, Statement } from "../drivers/driver.ts";
import { SqliteDriver } from "./sqlite-driver.ts";
import type { SqliteDriverName } from "../drivers/sqlite-library.ts";
import { OtherLibraryOpen } from "./sqlite-open-files.ts";
import { clientClosed } from "./driver-errors.ts";

/** The path a `file:` URL names (the forms `@libsql/client` accepts: `file:rel`, `file:/abs`, `file:///abs`, `file://localhost/abs`, `:memory:`). */
export function filePath(url: string): string {
  if (url === ":memory:") return url;
  let rest = url.slice("file:".length);
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.startsWith("//")) rest = rest.slice(rest.indexOf("/", 2));
  return decodeURIComponent(rest);
}

/** A `SqliteDriver` opened at first use on the library `chooseLibrary` picks. */
export class FileDriver implements Driver {
  readonly protocol = "file";
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  #choice: SqliteDriverName | undefined;
  #driver: SqliteDriver | null = null;
  #opening: Promise<SqliteDriver> | null = null;
  #closed = false;
  /** The SQLite version under this connection, once open. */
  sqliteVersion: string | undefined;
  /** Set once open when that version carries the WAL-reset bug and the path is a file (see select.ts). */
  warning: string | undefined;

  constructor(path: string, opts: { busyTimeoutMs: number; driver?: SqliteDriverName }) {
    this.#path = path;
    this.#busyTimeoutMs = opts.busyTimeoutMs;
    this.#choice = opts.driver;
  }

  /**
   * Another store of this process on the same URL shares this connection: a
   * driver it names must be the one this connection has (or will have, when
   * none was named yet). Throws when it cannot be.
   */
  use(driver: SqliteDriverName | undefined): void {
    if (driver === undefined) return;
    const has = this.#driver?.name ?? this.#choice;
    if (has === undefined && !this.#opening) this.#choice = driver;
    else if (has !== driver) {
      throw new Error(
        `this url is already open in this process through ${has ?? "the default driver"}, and every store of a ` +
          `process on one file shares one connection: it cannot be opened through ${driver} too`,
      );
    }
  }

  /** The library's name once open (`better-sqlite3`, `node:sqlite`, `bun:sqlite`, `libsql`), else undefined. */
  get name(): string | undefined {
    return this.#driver?.name;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get turns(): Driver["turns"] {
    return this.#driver?.turns;
  }

  execute(stmt: Statement): Promise<Result> {
    if (this.#driver) return this.#driver.execute(stmt);
    return this.#open().then((d) => d.execute(stmt));
  }

  batch(stmts: Statement[], mode: "read" | "write"): Promise<Result[]> {
    if (this.#driver) return this.#driver.batch(stmts, mode);
    return this.#open().then((d) => d.batch(stmts, mode));
  }

  close(): void {
    this.#closed = true;
    this.#driver?.close();
  }

  #open(): Promise<SqliteDriver> {
    return this.#opening ??= (async () => {
      const [chosen, identity] = await Promise.all([
        chooseLibrary(this.#choice).catch((e) => {
          if (e instanceof DriverUnavailable) {
            throw new TaskError("bad-request", "invalid-options", `createTaskQ: ${e.message}`, {
              issues: [{ path: "driver", message: e.message }],
              cause: e,
            });
          }
          if (e instanceof NoSqliteLibrary) {
            throw new TaskError("unavailable", "store-unavailable", `opening the store: ${e.message}`, { cause: e });
          }
          throw e;
        }),
        loadFileIdentity(),
      ]);
      if (this.#closed) throw clientClosed();
      let driver: SqliteDriver;
      try {
        driver = new SqliteDriver(chosen.lib, this.#path, this.#busyTimeoutMs, identity);
      } catch (e) {
        if (!(e instanceof OtherLibraryOpen)) throw e;
        throw new TaskError("bad-request", "invalid-options", `createTaskQ: ${e.message}`, {
          issues: [{ path: "driver", message: e.message }],
          cause: e,
        });
      }
      this.sqliteVersion = chosen.version;
      if (this.#path !== ":memory:" && this.#path !== "") this.warning = chosen.warning;
      this.#driver = driver;
      return driver;
    })().catch((e) => {
      this.#opening = null; // a later call tries again
      throw e;
    });
  }
}
