/**
 * Error text as a task keeps it: a failure's message or a cancel reason, cut
 * (never refused) past its longest length.
 *
 * @module
 */

import * as v from "valibot";

/**
 * Longest error text a task keeps: a failure's message (`failed(text)`,
 * `fail(…, error)`, the HTTP fail routes), a thrown error, a cancel reason.
 * Longer text is not refused but cut (see `capErrorText`).
 */
export const MAX_ERROR_CHARS = 4_000;
/** The end of cut error text. */
export const TRUNCATED = "…(truncated)";

/**
 * `text` as stored: itself, or when longer than {@link MAX_ERROR_CHARS} its
 * start cut to end in {@link TRUNCATED}, `MAX_ERROR_CHARS` long
 * (one shorter rather than between the two halves of a surrogate pair). Cut rather than
 * refused: the text is evidence of a failure, and refusing it would lose the
 * failure itself (a worker's `failed(hugeText)` would leave its task running
 * until the lease ran out, then run it again). Its start says what went wrong.
 */
export function capErrorText(text: string): string {
  if (text.length <= MAX_ERROR_CHARS) return text;
  let end = MAX_ERROR_CHARS - TRUNCATED.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose low half would be cut off
  return text.slice(0, end) + TRUNCATED;
}

/** A free-text error message of a failed task (or a cancel reason), stored cut to its first 4,000 characters. */
export const ErrorMessage = v.pipe(
  v.string("must be a string"),
  v.description(
    `a string; only its first ${MAX_ERROR_CHARS} characters are kept (longer text is cut, ending in "${TRUNCATED}")`,
  ),
);
