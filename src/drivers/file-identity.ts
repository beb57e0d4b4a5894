/**
 * Which file a path names now (device and inode), so that a store notices its
 * database file deleted or replaced while open (`SqliteDriver`). Through
 * `node:fs`, which Node, Bun and Deno have.
 *
 * @module
 */

import type { FileIdentity } from "./sqlite-library.ts";
import { importOptional } from "./load.ts";

interface Fs {
  statSync(path: string, opts: { throwIfNoEntry: false }): { dev: number; ino: number } | undefined;
}
interface Path {
  resolve(path: string): string;
}

/** The identity check, or null where `node:fs` is missing (or may not read the file). */
export async function loadFileIdentity(): Promise<FileIdentity | null> {
  const [fs, path] = (await Promise.all([importOptional(["node:fs"]), importOptional(["node:path"])])) as [
    Fs | null,
    Path | null,
  ];
  if (typeof fs?.statSync !== "function" || typeof path?.resolve !== "function") return null;
  return {
    absolute: (p) => path.resolve(p),
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
