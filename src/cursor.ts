/**
 * The opaque keyset cursor of a listing: the `(updatedAt, taskId)` of the
 * last (or, walking back, the first) task of a page, the listing's order and
 * direction, as base64url JSON.
 *
 * @module
 */

import { TaskError } from "./errors.ts";

/** The position a listing resumes from, its order, and whether it walks back (a previous page). */
export interface Position {
  updatedAt: number;
  taskId: string;
  order: "asc" | "desc";
  back: boolean;
}

/** Encodes a position as an opaque cursor. */
export function encodeCursor(at: Position): string {
  const json = JSON.stringify([2, at.updatedAt, at.taskId, at.order === "desc" ? 1 : 0, at.back ? 1 : 0]);
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(json)));
  return b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes a cursor, or throws `bad-request/invalid-cursor`. */
export function decodeCursor(cursor: string): Position {
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw new Error("bad characters");
    const bin = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const json = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(bin, (c) => c.charCodeAt(0)),
    );
    const value: unknown = JSON.parse(json);
    if (
      Array.isArray(value) && value.length === 5 && value[0] === 2 &&
      Number.isSafeInteger(value[1]) && typeof value[2] === "string" && value[2].length > 0 &&
      (value[3] === 0 || value[3] === 1) && (value[4] === 0 || value[4] === 1)
    ) {
      return { updatedAt: value[1], taskId: value[2], order: value[3] ? "desc" : "asc", back: value[4] === 1 };
    }
  } catch {
    // fall through to the one error below
  }
  throw new TaskError(
    "bad-request",
    "invalid-cursor",
    "cursor is malformed: pass back the cursor of the previous page unchanged",
    {
      issues: [{ path: "cursor", message: "is not a cursor returned by listTasks" }],
    },
  );
}
