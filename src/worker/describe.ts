/**
 * A thrown value as stored error text, whatever was thrown: an Error (its
 * class, message, stack and causes), a string, or anything else as JSON. It
 * never throws and its work is bounded, however hostile the value: an error
 * that is its own cause, a cause chain thousands deep, getters and proxy
 * traps that throw, a revoked Proxy, a `toJSON` that throws, a description
 * that would be megabytes long.
 *
 * @module
 */

import { capErrorText, MAX_ERROR_CHARS } from "../schemas/error-text.ts";

/** The stored error when nothing of a thrown value can be read: every way of reading it threw. */
export const UNDESCRIBABLE = "(a thrown value that could not be described: reading it threw)";

/** Longest part (a message, a stack, a string) kept before the whole is cut: one more than the cap, so a cut shows. */
const PART = MAX_ERROR_CHARS + 1;

/** A cause that could not be read (its getter threw). */
const UNREADABLE = Symbol("unreadable");

/**
 * A thrown value as stored error text: an Error's class name, message and
 * stack, then its cause's (`Caused by: …`), and so on; a string as it is;
 * anything else as JSON, else `String()`, else {@link UNDESCRIBABLE}. At
 * most {@link MAX_ERROR_CHARS} characters. Never throws.
 */
export function describeError(error: unknown): string {
  let text = describeOne(error);
  // The chain is walked only while the text is short of the cap: that bounds its depth (each step adds at least
  // its "Caused by: "), and a cycle ends at the first error seen twice.
  let seen: Set<unknown> | undefined;
  for (let current = error; text.length < MAX_ERROR_CHARS;) {
    const cause = causeOf(current);
    if (cause === undefined) break;
    if (cause === UNREADABLE) {
      text += "\nCaused by: (its cause could not be read)";
      break;
    }
    seen ??= new Set([error]);
    if (seen.has(cause)) {
      text += "\nCaused by: (a cycle: an error already described above)";
      break;
    }
    seen.add(cause);
    text += `\nCaused by: ${describeOne(cause)}`;
    current = cause;
  }
  return capErrorText(text);
}

/** An Error's `cause` (undefined for anything else), or {@link UNREADABLE}. */
function causeOf(value: unknown): unknown {
  let isError: boolean;
  try {
    isError = value instanceof Error;
  } catch {
    return undefined; // not even its class could be read: already described as such
  }
  try {
    return isError ? (value as Error).cause : undefined;
  } catch {
    return UNREADABLE;
  }
}

/** One value of the chain, at most about 3 × {@link MAX_ERROR_CHARS} characters; never throws. */
function describeOne(value: unknown): string {
  // an empty or blank string says nothing of what failed: a stored error always does
  if (typeof value === "string") {
    return value.trim() ? value.slice(0, PART) : `(a thrown string: ${JSON.stringify(value)})`;
  }
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return String(value);
  let isError: boolean;
  try {
    isError = value instanceof Error; // a revoked Proxy throws even here
  } catch {
    return UNDESCRIBABLE;
  }
  if (isError) {
    const error = value as Error;
    // each part read on its own: a getter that throws costs only its own part
    const name = read(() => error.name) ?? "Error";
    const message = read(() => error.message) ?? "(its message could not be read)";
    const stack = read(() => typeof error.stack === "string" ? error.stack : "") ?? "";
    const head = `${name}: ${message}`;
    // V8 and JSC differ: V8's stack starts with "Name: message", JSC's is frames only.
    return stack.startsWith(head) ? stack : stack ? `${head}\n${stack}` : head;
  }
  try {
    const json = JSON.stringify(value, withinCap());
    if (json !== undefined) return json;
  } catch {
    // a cycle, a toJSON or getter that throws, a revoked Proxy inside: try String()
  }
  return read(() => value) ?? UNDESCRIBABLE;
}

/** `get()` as a string of at most {@link PART} characters, or undefined when reading it threw. */
function read(get: () => unknown): string | undefined {
  try {
    const v = get();
    return (typeof v === "string" ? v : String(v)).slice(0, PART);
  } catch {
    return undefined;
  }
}

/**
 * A JSON.stringify replacer that keeps the output's first
 * {@link MAX_ERROR_CHARS} characters as they would be and drops what comes
 * after (the text is cut there anyway): a long string or array is cut before
 * it is copied, and once past the cap every further value is left out. A
 * BigInt, which JSON cannot carry, is written as `"123n"`.
 */
function withinCap(): (key: string, value: unknown) => unknown {
  // `left` counts less than what is written (one character a value, a string's own characters; never keys,
  // quotes or commas), so nothing within the cap changes; an element past index `left` of an array is past
  // the cap, as each takes at least one character and a comma.
  let left = MAX_ERROR_CHARS;
  return (_key, value) => {
    if (left < 0) return undefined;
    left--;
    if (typeof value === "string") {
      if (value.length > left) value = value.slice(0, Math.max(0, left) + 1);
      left -= (value as string).length;
    } else if (typeof value === "bigint") {
      return `${value}n`;
    } else if (Array.isArray(value) && value.length > left + 1) {
      return value.slice(0, Math.max(0, left) + 1);
    }
    return value;
  };
}
