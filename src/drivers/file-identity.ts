/**
 * Which file a path names now (device and inode), so that a store notices its
 * database file deleted or replaced while open (`SqliteDriver`). Through
 * `node:fs`, which Node, Bun and Deno have.
 *
 * @module
 */

import type { FileIdentity } from "../libsql/sqlite-driver.ts";
import { importOptional } from "./load.ts";

interface Fs {
  statSync(path: string, opts: { throwIfNoEntry: false }): { dev: number; ino: number } | undefined;
}

/** The identity check, or null where `node:fs` is missing (or may not read the file). */
export async function loadFileIdentity(): Promise<FileIdentity | null> {
  const fs = (await importOptional(["node:fs"])) as Fs | null;
  if (typeof fs?.statSync !== "function") return null;
  return {
    of(path) {
      try {
        const s = fs.statSync(path, { throwIfNoEntry: false });
        return s ? `${s.dev}:${s.ino}` : null;
      } catch {
        return null;
      }
    },
  };
}
