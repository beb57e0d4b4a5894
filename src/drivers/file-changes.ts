/**
 * The operating system's word that a database file changed: a watch of the
 * database's folder (inotify, FSEvents, ReadDirectoryChangesW through
 * `node:fs.watch`, which Node, Bun and Deno have), filtered to the database
 * and its `-wal` file. It only says "look now": the store then reads `PRAGMA
 * data_version`, which tells another connection's commit from its own
 * writes. Where no watch can be made (no `node:fs`, a file system without
 * notifications), nothing is called and the store's poll every
 * `changePollMs` stays the only signal; a watch that errors stops itself.
 * The `-wal` file itself where it exists when the watch starts: SQLite
 * keeps it while any connection is open (this process's is), so it is
 * neither deleted nor replaced under the watch, and the writes of other files
 * in the folder (another busy database) wake nothing. Else the folder,
 * filtered to the database and its WAL (SQLite creates `-wal` on the first
 * connection and deletes it after the last).
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
  existsSync(path: string): boolean;
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
      typeof fs?.watch === "function" && typeof fs.existsSync === "function" && typeof path?.dirname === "function"
        ? { fs, path }
        : null,
  );
  return loaded;
}

/**
 * Calls `onChange` (at most once per event, possibly for this process's own
 * writes) whenever the OS reports a change to the database at `file` or its
 * WAL, until the returned function is called. Starts asynchronously, then
 * calls `onWatching(true)`; a watch that cannot start calls nothing, one that
 * fails later `onWatching(false)` and nothing more (the poll remains).
 */
export function watchFileChanges(
  file: string,
  onChange: () => void,
  onWatching: (watching: boolean) => void = () => {},
): () => void {
  let stopped = false;
  let watcher: Watcher | null = null;
  void load().then((m) => {
    if (!m || stopped) return;
    const abs = m.path.resolve(file);
    const names = new Set([m.path.basename(abs), `${m.path.basename(abs)}-wal`]);
    try {
      watcher = m.fs.existsSync(`${abs}-wal`)
        ? m.fs.watch(`${abs}-wal`, { persistent: false }, () => onChange())
        : m.fs.watch(m.path.dirname(abs), { persistent: false }, (_event, name) => {
          // a platform that gives no file name: any change in the folder counts
          if (name === null || names.has(String(name))) onChange();
        });
      watcher.on("error", () => {
        stop();
        onWatching(false);
      });
      watcher.unref?.();
      onWatching(true);
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
