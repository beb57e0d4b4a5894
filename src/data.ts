/**
 * Turning a task's `data` into JSON text without losing anything silently:
 * values JSON cannot carry are refused instead of being dropped or changed.
 *
 * @module
 */

import { TaskError } from "./errors.ts";

const encoder = new TextEncoder();

/**
 * Deepest nesting of arrays and objects accepted in `data` (and results).
 * Far beyond any real document, far below what would overflow the stack of
 * any engine while encoding it (10,000 levels crash JSON.stringify).
 */
export const MAX_DEPTH = 256;

/**
 * Encodes `data` (a task's data, or `field`: a result) as JSON, or throws
 * `bad-request/invalid-task` (or `code`) for values JSON
 * cannot carry (functions, symbols, `BigInt`, `undefined`, non-finite numbers,
 * cycles, non-plain objects such as `Date` or `Map`, nesting deeper than
 * {@link MAX_DEPTH}, a value whose getters or proxy traps throw) and
 * `too-large/data-too-large` past `maxBytes` UTF-8 bytes.
 */
export function encodeData(
  data: unknown,
  maxBytes: number,
  what = "task",
  field = "data",
  code: "invalid-task" | "invalid-outcome" | "invalid-schedule" = "invalid-task",
): string {
  // First without tracking the path's objects: a cycle then shows as nesting too deep, and only that case
  // is walked again, with them, to tell which it is.
  let found: NonJson | null;
  let json: string;
  try {
    found = findNonJson(data, null, 0);
    if (found && !found.keys) found = findNonJson(data, new Set(), 0);
    json = found ? "" : JSON.stringify(data);
  } catch {
    // a getter or proxy trap of the value threw (or a revoked Proxy): whatever it threw, it is refused as input
    found = { message: "could not be read as JSON (reading it threw)" };
    json = "";
  }
  if (found) {
    // the path is built only now, from the keys gathered on the way back up (none for a nesting problem)
    const problem = { path: [field, ...(found.keys ?? [])].join("."), message: found.message };
    throw new TaskError("bad-request", code, `${what}: ${problem.path} ${problem.message}`, {
      issues: [problem],
    });
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so short text needs no encoding pass.
  const bytes = json.length * 3 <= maxBytes ? json.length : encoder.encode(json).length;
  if (bytes > maxBytes) {
    throw new TaskError(
      "too-large",
      "data-too-large",
      `${what}: ${field} is ${bytes} bytes of JSON, more than the limit of ${maxBytes}`,
      { issues: [{ path: field, message: `must be at most ${maxBytes} bytes of JSON` }] },
    );
  }
  return json;
}

/** What is wrong and where: the keys from the top (filled in on the way back up; absent: at the top). */
interface NonJson {
  keys?: (string | number)[];
  message: string;
}

/**
 * The first value JSON cannot carry, with the keys that lead to it (gathered
 * only once one is found). `seen`: the objects on the path from the top, to
 * name a cycle; null: not tracked (a cycle then ends as nesting too deep).
 */
function findNonJson(value: unknown, seen: Set<object> | null, depth: number): NonJson | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return Number.isFinite(value) ? null : { keys: [], message: `is ${value}, which JSON cannot carry` };
    case "object": {
      if (value === null) return null;
      if (seen?.has(value)) return { keys: [], message: "is a circular reference" };
      if (depth >= MAX_DEPTH) return { message: `is nested deeper than ${MAX_DEPTH} levels` };
      const proto = Object.getPrototypeOf(value);
      const isArray = Array.isArray(value);
      if (!isArray && proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
        return { keys: [], message: `is a ${name}, not a plain JSON object` };
      }
      seen?.add(value);
      if (isArray) {
        for (let i = 0; i < value.length; i++) {
          const p = findNonJson(value[i], seen, depth + 1);
          if (p) return (p.keys?.unshift(i), p);
        }
      } else {
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          const p = findNonJson((value as Record<string, unknown>)[key], seen, depth + 1);
          if (p) return (p.keys?.unshift(key), p);
        }
      }
      seen?.delete(value);
      return null;
    }
    default:
      // undefined, function, symbol, bigint
      return {
        keys: [],
        message: `is ${typeof value === "undefined" ? "undefined" : `a ${typeof value}`}, which JSON cannot carry`,
      };
  }
}
