/**
 * The operating system's word that a database file changed: a watch of the
 * database's folder (inotify, FSEvents, ReadDirectoryChangesW through
 * `node:fs.watch`, which Node, Bun and Deno have), filtered to the database
 * and its `-wal` file. It only says "look now": the store then reads `PRAGMA
 * data_version`, which tells another connection's commit from its own
 * writes. Where no watch can be made (no `node:fs`, a file system without
 * notifications), nothing is called and the store's poll every
 * `changePollMs` stays the only signal; a watch that errors stops itself.
 * The folder, not the files: SQLite deletes and recreates `-wal`.
 *
 * @module
 */

import { importOptional } from "./load.ts";

interface Watcher {
  close(): void;
  on(event: "error", fn: (e: unknown) => void): unknown;
  unref?(): unknown;
}
interface Fs {
  watch(
    dir: string,
    opts: { persistent: boolean },
    fn: (event: string, name: string | Buffer | null) => void,
  ): Watcher;
}
interface Path {
  dirname(p: string): string;
  basename(p: string): string;
  resolve(p: string): string;
}
type Buffer = { toString(): string };

let loaded: Promise<{ fs: Fs; path: Path } | null> | undefined;

/** `node:fs` and `node:path`, once per process; null where either is missing. */
function load(): Promise<{ fs: Fs; path: Path } | null> {
  loaded ??= Promise.all([importOptional(["node:fs"]), importOptional(["node:path"])]).then(
    ([fs, path]: [Fs | null, Path | null]) =>
      typeof fs?.watch === "function" && typeof path?.dirname === "function" ? { fs, path } : null,
  );
  return loaded;
}

/**
 * Calls `onChange` (at most once per event, possibly for this process's own
 * writes) whenever the OS reports a change to the database at `file` or its
 * WAL, until the returned function is called. Starts asynchronously; a watch
 * that cannot start, or fails later, calls nothing more (the poll remains).
 */
export function watchFileChanges(file: string, onChange: () => void): () => void {
  let stopped = false;
  let watcher: Watcher | null = null;
  void load().then((m) => {
    if (!m || stopped) return;
    const abs = m.path.resolve(file);
    const names = new Set([m.path.basename(abs), `${m.path.basename(abs)}-wal`]);
    try {
      watcher = m.fs.watch(m.path.dirname(abs), { persistent: false }, (_event, name) => {
        // a platform that gives no file name: any change in the folder counts
        if (name === null || names.has(String(name))) onChange();
      });
      watcher.on("error", () => stop());
      watcher.unref?.();
    } catch {
      watcher = null; // no notifications here (a full inotify table, a file system without them)
    }
  }, () => {});
  const stop = () => {
    stopped = true;
    try {
      watcher?.close();
    } catch {
      // closed already
    }
    watcher = null;
  };
  return stop;
}
