/**
 * The schema of a name (topics, sub-topics, task and group ids, pids, lease
 * ids) and the character counting it shares with other text fields.
 *
 * @module
 */

import * as v from "valibot";

/**
 * What a name may not contain: the C0 controls (NUL, TAB, CR, LF, …), DEL
 * and the C1 controls, the Unicode line and paragraph separators, and the
 * bidirectional controls (ALM, LRM, RLM, the embeddings, overrides and
 * isolates). The native driver cuts text at NUL where it reads a plain
 * column; the others break a line in a log, a terminal or a Prometheus label,
 * or make one name look like another in the dashboard, whose buttons act on it.
 */
const NOT_IN_NAME = "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069";
const BAD_NAME_CHAR = new RegExp(`[${NOT_IN_NAME}]`);
/**
 * A name as JSON Schema can say it (no flags, no lookaround): empty (the
 * length check says so), or no refused character, and whitespace neither
 * first nor last. A topic "email " would look like "email" everywhere it is
 * shown, and trimming it silently would change the caller's id.
 */
const NAME_PATTERN = new RegExp(`^(?:[^${NOT_IN_NAME}\\s](?:[^${NOT_IN_NAME}]*[^${NOT_IN_NAME}\\s])?)?$`);
/** A lone UTF-16 surrogate: SQLite stores it as U+FFFD, so the name read back would not be the name given. */
const LONE_SURROGATE = /\p{Cs}/u;

/** `U+000A`. */
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/** Why `name` does not match `NAME_PATTERN`: the first refused character and where, or its whitespace. */
function nameProblem(name: string): string {
  const bad = BAD_NAME_CHAR.exec(name);
  if (bad) {
    const c = bad[0].charCodeAt(0);
    const kind = c < 0xa0
      ? "a control character"
      : c === 0x2028 || c === 0x2029
      ? "a line or paragraph separator"
      : "a bidirectional control";
    return `must not contain ${kind} (${codePoint(bad[0])} at index ${bad.index})`;
  }
  return name.trim() === "" ? "must not be only whitespace" : "must not begin or end with whitespace";
}

/** How many characters (Unicode code points, as SQLite's `length()` and JSON Schema's `maxLength` count) `s` has. */
export function charCount(s: string): number {
  let n = s.length;
  // each surrogate pair is one character in two UTF-16 units
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * At most `max` characters, counted as code points: 200 emoji are 200
 * characters, not the 400 UTF-16 units `v.maxLength` would count. Carries
 * `maxChars` so that the OpenAPI document says `maxLength` (which JSON
 * Schema counts the same way).
 */
export function maxChars(max: number) {
  // a string of at most `max` UTF-16 units has at most `max` characters: the common case counts nothing
  return Object.assign(
    v.check((s: string) => s.length <= max || charCount(s) <= max, `must be at most ${max} characters`),
    { maxChars: max },
  );
}

/**
 * A name (topics, sub-topics, task and group ids, pids, lease ids): 1 to 255
 * characters, none of them a control character (see `NOT_IN_NAME`), not
 * beginning or ending with whitespace, and well-formed Unicode.
 */
export const Name = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  maxChars(255),
  v.regex(NAME_PATTERN, (issue) => nameProblem(issue.input as string)),
  v.check((s) => !LONE_SURROGATE.test(s), (issue) => {
    const at = (issue.input as string).search(LONE_SURROGATE);
    return `must be well-formed Unicode (a lone surrogate ${codePoint((issue.input as string)[at])} at index ${at})`;
  }),
  v.description(
    "a non-empty string of at most 255 characters, without control characters or leading/trailing whitespace",
  ),
);
