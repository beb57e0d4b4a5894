/**
 * Which SQLite library holds each database file open in this process (by the
 * file's identity), and how many connections. Two copies of SQLite in one
 * process do not see each other's locks (sqlite.org/howtocorrupt.html,
 * 2.2.1): closing one drops the other's locks too, and another process can
 * then take the WAL for unused and delete it under the open connection. So a
 * second library on a file already open is refused.
 *
 * @module
 */

import type { SqliteDriverName } from "../drivers/sqlite-library.ts";

const openFiles = new Map<string, { lib: SqliteDriverName; connections: number }>();

/** Thrown when a file is already open in this process through another SQLite library. */
export class OtherLibraryOpen extends Error {
  constructor(readonly path: string, readonly holder: SqliteDriverName, readonly wanted: SqliteDriverName) {
    super(
      `the database file ${path} is already open in this process through ${holder}; opening it through ${wanted} too ` +
        "would put two copies of SQLite on one file, which do not see each other's locks",
    );
    this.name = "OtherLibraryOpen";
  }
}

/** Throws `OtherLibraryOpen` when the file `fileId` (at `path`) is open through a library other than `lib`. */
export function refuseOtherLibrary(fileId: string | null, path: string, lib: SqliteDriverName): void {
  const holder = fileId === null ? undefined : openFiles.get(fileId);
  if (holder && holder.lib !== lib) throw new OtherLibraryOpen(path, holder.lib, lib);
}

/** Counts one more connection of `lib` on the file `fileId`, or throws `OtherLibraryOpen` (counting nothing). */
export function claimFile(fileId: string, path: string, lib: SqliteDriverName): void {
  refuseOtherLibrary(fileId, path, lib);
  openFiles.set(fileId, { lib, connections: (openFiles.get(fileId)?.connections ?? 0) + 1 });
}

/** Counts one connection on the file `fileId` closed; the last one frees the file for any library. */
export function releaseFile(fileId: string): void {
  const entry = openFiles.get(fileId);
  if (entry && --entry.connections === 0) openFiles.delete(fileId);
}
