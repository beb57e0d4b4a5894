/**
 * The opaque keyset cursor of a listing: the status group and sort key of
 * the last (or, walking back, the first) task of a page, the listing's order
 * and direction, as base64url JSON.
 *
 * @module
 */

import { TaskError } from "./errors.ts";
import { LIVE_COUNT, STATUSES } from "./schemas.ts";

/**
 * A task's place in a listing: its status's place in `STATUSES`, then its key
 * within that status: `[topic, priority, readyAt, rowId]` waiting,
 * `[topic, readyAt, rowId]` running or snoozed, `[updatedAt, taskId]` resting.
 */
export type SortKey = [string, number, number, number] | [string, number, number] | [number, string];

/** The position a listing resumes from, its order, and whether it walks back (a previous page). */
export interface Position {
  rank: number;
  key: SortKey;
  order: "asc" | "desc";
  back: boolean;
}

/** Encodes a position as an opaque cursor. */
export function encodeCursor(at: Position): string {
  const json = JSON.stringify([3, at.rank, at.key, at.order === "desc" ? 1 : 0, at.back ? 1 : 0]);
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(json)));
  return b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const int = (x: unknown): x is number => Number.isSafeInteger(x);

/** Whether `key` has the shape of a key of status group `rank`. */
function fitsRank(rank: unknown, key: unknown): key is SortKey {
  if (!int(rank) || rank < 0 || rank >= STATUSES.length || !Array.isArray(key)) return false;
  if (rank === 0) {
    return key.length === 4 && typeof key[0] === "string" && int(key[1]) && int(key[2]) && int(key[3]);
  }
  if (rank < LIVE_COUNT) return key.length === 3 && typeof key[0] === "string" && int(key[1]) && int(key[2]);
  return key.length === 2 && int(key[0]) && typeof key[1] === "string" && key[1].length > 0;
}

/** Decodes a cursor, or throws `bad-request/invalid-cursor`. */
export function decodeCursor(cursor: string): Position {
  try {
    if (!/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw new Error("bad characters");
    const bin = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const json = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(bin, (c) => c.charCodeAt(0)),
    );
    const value: unknown = JSON.parse(json);
    if (
      Array.isArray(value) && value.length === 5 && value[0] === 3 && fitsRank(value[1], value[2]) &&
      (value[3] === 0 || value[3] === 1) && (value[4] === 0 || value[4] === 1)
    ) {
      return { rank: value[1], key: value[2], order: value[3] ? "desc" : "asc", back: value[4] === 1 };
    }
  } catch {
    // fall through to the one error below
  }
  throw invalidCursor("is not a cursor returned by listTasks");
}

/** `bad-request/invalid-cursor`, with what is wrong with it. */
export function invalidCursor(why: string): TaskError {
  return new TaskError(
    "bad-request",
    "invalid-cursor",
    "cursor is malformed: pass back the cursor of the previous page unchanged",
    { issues: [{ path: "cursor", message: why }] },
  );
}
