/**
 * `createTaskQ`: opens the libSQL store (`store.ts`) on a URL or an injected
 * client, with its options validated and their defaults applied.
 *
 * @module
 */

import type { Client } from "@libsql/client";
// The web build: the same clients for remote URLs as the package's main entry, which also imports the native
// libsql addon (its file: client) as it loads, in every runtime and whatever the URL (Deno then asks for env,
// sys and ffi permissions); a file: database goes through the store's own drivers, never this client.
import { createClient } from "@libsql/client/web";
import * as v from "valibot";
import { TaskError } from "../errors.ts";
import { fields, invalid, NonNegativeMs, parseOrThrow, PositiveBytes, PositiveMs } from "../schemas.ts";
import type { TaskQ, TaskQOptions } from "../types.ts";
import { BUSY_RETRY_MS, Connection, REQUEST_TIMEOUT_MS } from "./connection.ts";
import { openFileClient } from "./file-clients.ts";
import { type Driver, isStoreDriver, type StoreDriver } from "../drivers/driver.ts";
import { TestClock } from "../test-clock.ts";
import { shiftedClock } from "./shifted-clock.ts";
import { FileDriver, filePath } from "./file-driver.ts";
import { watchFileChanges } from "../drivers/file-changes.ts";
import type { SqliteDriverName } from "../drivers/sqlite-library.ts";
import { hasCredentials, openFailure, safeUrl } from "./url.ts";
import { RetentionSchema } from "./operator.ts";
import { LibsqlTaskQ } from "./store.ts";
import { CHANGE_POLL_MS } from "./watch.ts";

/**
 * WAL pages after which a commit copies the WAL back into the database file
 * (SQLite's default: 1,000): each copy syncs the file, and with a few pages
 * written per task the default made one every ~200 one-by-one creates; the
 * WAL grows to ~32 MB (8,000 × 4 KiB) before it is copied back (docs/store.md).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8_000;

/** The SQLite libraries a `file:` store can be asked to use (`driver`). */
const DRIVERS = [
  "better-sqlite3",
  "node:sqlite",
  "bun:sqlite",
  "libsql",
] as const satisfies readonly SqliteDriverName[];

export const OptionsSchema = fields({
  url: v.optional(
    v.pipe(
      v.string("must be a string"),
      v.minLength(1, "must not be empty"),
      v.check((u) => !hasCredentials(u), "must not carry a user name or password (pass authToken)"),
      v.description("a libSQL URL (file:, :memory:, libsql:, http(s):, ws(s):)"),
    ),
  ),
  authToken: v.optional(v.string("must be a string")),
  client: v.optional(
    v.custom<Client>((c) => typeof (c as Client)?.execute === "function", "must be a @libsql/client Client"),
  ),
  leaseTimeMs: v.optional(PositiveMs),
  snoozeTimeMs: v.optional(NonNegativeMs),
  maxDataBytes: v.optional(PositiveBytes),
  durability: v.optional(v.picklist(["normal", "full"], 'must be "normal" or "full"')),
  busyTimeoutMs: v.optional(NonNegativeMs),
  busyRetryMs: v.optional(NonNegativeMs),
  changePollMs: v.optional(PositiveMs),
  fileEvents: v.optional(v.boolean("must be true or false")),
  requestTimeoutMs: v.optional(PositiveMs),
  retention: v.optional(RetentionSchema),
  clock: v.optional(v.instance(TestClock, "must be a TestClock")),
  driver: v.optional(
    v.union(
      [
        v.picklist(DRIVERS),
        v.custom<StoreDriver & Driver>(isStoreDriver),
      ],
      `must be one of ${
        DRIVERS.map((d) => `"${d}"`).join(", ")
      } (file: and :memory: databases), or a driver object (e.g. d1(env.DB))`,
    ),
  ),
}, "createTaskQ options");

/**
 * Creates a TaskQ store on libSQL. Synchronous: the schema is created lazily
 * on first use.
 *
 * @example
 * ```ts
 * import { createTaskQ } from "sokka";
 * const taskq = createTaskQ({ url: "file:sokka.db" });
 * const t = await taskq.createTask({ topic: "email", data: { to: "a@example.com" } });
 * const r = await taskq.reserveTask("email", "worker-1");
 * if (r) await taskq.terminate(r.taskId, "worker-1", { leaseId: r.leaseId! });
 * await taskq.close();
 * ```
 */
export function createTaskQ(options: TaskQOptions = {}): TaskQ {
  const parsed = parseOrThrow(OptionsSchema, options, "createTaskQ", "invalid-options");
  // a URL's scheme is case-insensitive (FILE:x.db is file:x.db, a file for the store's own drivers)
  const opts = parsed.url === undefined ? parsed : { ...parsed, url: lowerScheme(parsed.url) };
  // a driver object (Cloudflare D1, a Durable Object's storage) is the store's database, as an injected client is
  const given: Driver | undefined = typeof opts.driver === "object" ? opts.driver : opts.client;
  const library = typeof opts.driver === "string" ? opts.driver : undefined;
  if (opts.client !== undefined && typeof opts.driver === "object") {
    throw invalid(
      "createTaskQ",
      [{ path: "driver", message: "give a client or a driver object, not both" }],
      "invalid-options",
    );
  }
  const embedded = given === undefined && /^(file:|:memory:$)/.test(opts.url ?? "file:");
  if (library !== undefined && !embedded) {
    throw invalid("createTaskQ", [{
      path: "driver",
      message: "chooses the SQLite library of a file: or :memory: database; a remote URL or a client has its own",
    }], "invalid-options");
  }
  const own = given === undefined;
  const requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  let client: Driver;
  let release: (() => void) | undefined;
  if (given) {
    client = given;
  } else {
    const url = opts.url ?? "file:sokka.db";
    const isFile = url.startsWith("file:") || url === ":memory:";
    const isMemory = url === ":memory:" || url.startsWith("file::memory:");
    const busyTimeoutMs = opts.busyTimeoutMs ?? 5_000;
    const open = (): Driver => {
      // a file: database goes through a SQLite library chosen by the SQLite it carries (file-driver.ts)
      if (isFile) return new FileDriver(filePath(url), { busyTimeoutMs, driver: library });
      return createClient({ url, authToken: opts.authToken, fetch: boundedFetch(requestTimeoutMs) });
    };
    try {
      if (isFile && !isMemory) {
        ({ client, release } = openFileClient(url, open));
        try {
          if (client instanceof FileDriver) client.use(library);
        } catch (e) {
          release();
          throw invalid("createTaskQ", [{ path: "driver", message: (e as Error).message }], "invalid-options");
        }
      } else {
        client = open();
        release = () => client.close();
      }
    } catch (e) {
      if (e instanceof TaskError) throw e;
      const reason = openFailure(e, url);
      throw new TaskError(
        "bad-request",
        "invalid-options",
        `createTaskQ: url ${safeUrl(url)} cannot be opened: ${reason}`,
        {
          cause: e,
          issues: [{ path: "url", message: `cannot be opened: ${reason}` }],
        },
      );
    }
  }
  const pragmas = own && client.protocol === "file"
    ? [
      `PRAGMA synchronous = ${opts.durability === "full" ? "FULL" : "NORMAL"}`,
      `PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`,
    ]
    : [];
  // The embedded driver answers synchronously: only a remote call can hang.
  const remote = client.protocol !== "file";
  const conn = new Connection(opts.clock ? shiftedClock(client, opts.clock) : client, {
    own,
    busyRetryMs: opts.busyRetryMs ?? BUSY_RETRY_MS,
    pragmas,
    release,
    requestTimeoutMs: remote ? requestTimeoutMs : 0,
  });
  const url = opts.url ?? "file:sokka.db";
  const isMemory = url === ":memory:" || url.startsWith("file::memory:");
  const store = new LibsqlTaskQ(conn, {
    // Stores of this process on one URL are one database (and a file shares one client); ":memory:" is one per store.
    key: own && !isMemory ? url : client,
    changeSignal: client.protocol === "file" && !(own && isMemory),
    changePollMs: opts.changePollMs ?? CHANGE_POLL_MS,
    // the OS's word of a write to the file: another process's commit is seen at once, not at the next poll
    fileEvents: own && !isMemory && client.protocol === "file" && opts.fileEvents !== false
      ? (onEvent: () => void, onWatching?: (watching: boolean) => void) =>
        watchFileChanges(filePath(url), onEvent, onWatching)
      : undefined,
    leaseTimeMs: opts.leaseTimeMs ?? 120_000,
    snoozeTimeMs: opts.snoozeTimeMs ?? 300_000,
    maxDataBytes: opts.maxDataBytes ?? 1_048_576,
    closeWaitMs: opts.busyRetryMs ?? BUSY_RETRY_MS,
    retention: opts.retention,
  });
  return store as LibsqlTaskQ & TaskQ; // its EventTarget methods, typed by TaskQEventMap
}

/** `url` with its scheme (the letters before the first colon, if any) in lower case. */
function lowerScheme(url: string): string {
  return url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, (scheme) => scheme.toLowerCase());
}

/**
 * The fetch of a store's own HTTP client: each request is aborted after
 * `ms`, so a server that stopped answering holds no socket and no request
 * (an injected client keeps its own fetch; the store's deadline still frees
 * the caller).
 */
function boundedFetch(ms: number): (req: Request) => Promise<Response> {
  return (req) => fetch(req, { signal: AbortSignal.timeout(ms) });
}
