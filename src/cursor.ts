/**
 * The opaque keyset cursors of a listing (the status group and sort key of
 * the last, or walking back the first, task of a page, the listing's order
 * and direction) and of a page of topics (the last or first topic's name and
 * the direction), as base64url JSON.
 *
 * @module
 */

import { TaskError } from "./errors.ts";
import { keptAt, STATUSES } from "./transitions.ts";

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
  /** The listing's filters, fingerprinted (see `filtersPrint`): a cursor moves only the listing it came from. */
  filters?: string;
}

/**
 * A short fingerprint of a listing's filters (FNV-1a of their JSON, base36):
 * a cursor of `GET /tasks?topic=z` given to a group's listing would start it
 * at a place of another listing and skip or repeat tasks without a word.
 */
export function filtersPrint(filters: readonly unknown[]): string {
  const text = JSON.stringify(filters);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** A value as base64url JSON. */
function pack(value: unknown): string {
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))));
  return b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The value of base64url JSON; throws on anything else. */
function unpack(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw new Error("bad characters");
  const bin = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  const json = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
    Uint8Array.from(bin, (c) => c.charCodeAt(0)),
  );
  return JSON.parse(json);
}

/** Encodes a position as an opaque cursor. */
export function encodeCursor(at: Position): string {
  const value = [3, at.rank, at.key, at.order === "desc" ? 1 : 0, at.back ? 1 : 0];
  return pack(at.filters === undefined ? value : [...value, at.filters]);
}

const int = (x: unknown): x is number => Number.isSafeInteger(x);

/** Whether `key` has the shape of a key of status group `rank`. */
function fitsRank(rank: unknown, key: unknown): key is SortKey {
  if (!int(rank) || rank < 0 || rank >= STATUSES.length || !Array.isArray(key)) return false;
  const kept = keptAt(rank);
  if (kept === "waiting") {
    return key.length === 4 && typeof key[0] === "string" && int(key[1]) && int(key[2]) && int(key[3]);
  }
  if (kept === "parked") return key.length === 3 && typeof key[0] === "string" && int(key[1]) && int(key[2]);
  return key.length === 2 && int(key[0]) && typeof key[1] === "string" && key[1].length > 0;
}

/** Decodes a cursor, or throws `bad-request/invalid-cursor`. */
export function decodeCursor(cursor: string): Position {
  try {
    const value = unpack(cursor);
    // a cursor made before filters were fingerprinted has five items; it moves any listing, as it did
    if (
      Array.isArray(value) && (value.length === 5 || (value.length === 6 && typeof value[5] === "string")) &&
      value[0] === 3 && fitsRank(value[1], value[2]) && (value[3] === 0 || value[3] === 1) &&
      (value[4] === 0 || value[4] === 1)
    ) {
      const at: Position = { rank: value[1], key: value[2], order: value[3] ? "desc" : "asc", back: value[4] === 1 };
      if (value.length === 6) at.filters = value[5];
      return at;
    }
  } catch {
    // fall through to the one error below
  }
  throw invalidCursor("is not a cursor returned by listTasks");
}

/** Where a page of topics resumes: after `topic` (the next page), or before it walking back (a previous page). */
export interface TopicPosition {
  topic: string;
  back: boolean;
}

/** Encodes a place in the topics' name order as an opaque cursor of `topicPage`. */
export function encodeTopicCursor(at: TopicPosition): string {
  return pack([4, at.topic, at.back ? 1 : 0]);
}

/** Decodes a cursor of `topicPage`, or throws `bad-request/invalid-cursor`. */
export function decodeTopicCursor(cursor: string): TopicPosition {
  try {
    const value = unpack(cursor);
    if (
      Array.isArray(value) && value.length === 3 && value[0] === 4 && typeof value[1] === "string" &&
      value[1].length > 0 && (value[2] === 0 || value[2] === 1)
    ) {
      return { topic: value[1], back: value[2] === 1 };
    }
  } catch {
    // fall through to the one error below
  }
  throw invalidCursor("is not a cursor returned by topicPage");
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

/** Encodes a place in a page of task ids (`dependencies`, `dependants`): after `key`, or before it walking back. */
export function encodeKeyCursor(at: TopicPosition): string {
  return pack([5, at.topic, at.back ? 1 : 0]);
}

/** Decodes a cursor of `dependencies` / `dependants`, or throws `bad-request/invalid-cursor`. */
export function decodeKeyCursor(cursor: string): TopicPosition {
  try {
    const value = unpack(cursor);
    if (
      Array.isArray(value) && value.length === 3 && value[0] === 5 && typeof value[1] === "string" &&
      value[1].length > 0 && (value[2] === 0 || value[2] === 1)
    ) {
      return { topic: value[1], back: value[2] === 1 };
    }
  } catch {
    // fall through to the one error below
  }
  throw invalidCursor("is not a cursor returned by dependencies or dependants");
}
