/**
 * The opaque keyset cursor of a listing: the `(updatedAt, taskId)` of the
 * last task of a page, as base64url JSON.
 *
 * @module
 */

import { TaskError } from "./errors.ts";

/** The position a listing resumes after. */
export interface Position {
  updatedAt: number;
  taskId: string;
}

/** Encodes the position after `last` as an opaque cursor. */
export function encodeCursor(last: Position): string {
  const json = JSON.stringify([1, last.updatedAt, last.taskId]);
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
      Array.isArray(value) && value.length === 3 && value[0] === 1 &&
      Number.isSafeInteger(value[1]) && typeof value[2] === "string" && value[2].length > 0
    ) {
      return { updatedAt: value[1], taskId: value[2] };
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
