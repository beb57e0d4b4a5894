/**
 * The operating system's word that a database file changed (inotify,
 * FSEvents, ReadDirectoryChangesW through `node:fs.watch`, which Node, Bun
 * and Deno have): a watch of the database's `-wal` file where it exists when
 * the watch starts (SQLite keeps it while any connection is open, and
 * deletes it after the last closes; writes to other files of the folder,
 * another busy database, then wake nothing), else of the folder, filtered to
 * the database and its WAL. A symbolic link is followed, as SQLite follows
 * it. It only says "look now": the store then reads `PRAGMA data_version`,
 * which tells another connection's commit from its own writes, and polls it
 * as well (src/libsql/watch.ts): a watch that misses writes (a mount that
 * does not notify; a WAL deleted by another process's last close before
 * this process's connection opened) is noticed when the poll finds a
 * commit no event announced. Where no watch can be made (no `node:fs`),
 * nothing is called; a watch that errors stops itself.
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
  realpathSync(path: string): string;
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
      typeof fs?.watch === "function" && typeof fs.existsSync === "function" &&
        typeof fs.realpathSync === "function" && typeof path?.dirname === "function"
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
    let abs = m.path.resolve(file);
    try {
      abs = m.fs.realpathSync(abs); // SQLite follows a symbolic link: its WAL is beside the file it names
    } catch {
      // not there yet: the path as given
    }
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
