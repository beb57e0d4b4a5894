/**
 * One client per process and `file:` URL, shared by every store opened on
 * it: two connections of one process on one file can deadlock (a statement
 * that failed while waiting can stay un-reset, holding the lock, and the
 * other connection then waits on its own process forever).
 *
 * @module
 */

import type { Driver } from "../drivers/driver.ts";

/** A file's client and how many stores use it. */
interface SharedClient {
  client: Driver;
  users: number;
}

const clientsByUrl = new Map<string, SharedClient>();

/**
 * The one client of this process for a `file:` URL, opened on first use and
 * closed when the last store using it closes. `create` opens a new one.
 */
export function openFileClient(url: string, create: () => Driver): { client: Driver; release: () => void } {
  let shared = clientsByUrl.get(url);
  if (!shared || shared.client.closed) {
    shared = { client: create(), users: 0 };
    clientsByUrl.set(url, shared);
  }
  shared.users++;
  const mine = shared;
  let released = false;
  return {
    client: mine.client,
    release: () => {
      if (released) return;
      released = true;
      if (--mine.users === 0) {
        mine.client.close();
        if (clientsByUrl.get(url) === mine) clientsByUrl.delete(url);
      }
    },
  };
}
