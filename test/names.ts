/** Random names for the property tests: mostly ordinary, with a character a name may not hold here and there. */
import fc from "fast-check";

/** Characters a name may not hold, and lone surrogate halves, among ordinary ones. */
const NAME_HAZARDS = [
  "\0",
  "\t",
  "\n",
  "\r",
  "\x1b",
  "\x7f",
  "\x85",
  "\x9f",
  "\u061c",
  "\u200e",
  "\u202e",
  "\u2028",
  "\u2029",
  "\u2066",
  "\u2069",
  "\uD800",
  "\uDFFF",
  " ",
  "\u00a0",
  "\u3000",
  "\uFEFF",
];
/** Strings mostly of ordinary characters (any code point), with a hazard here and there. */
export const nameLike = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 4 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NAME_HAZARDS) },
    { weight: 2, arbitrary: fc.constantFrom("a", "send email", "😀", "é", "\u200d") },
  ),
  { maxLength: 6 },
).map((parts) => parts.join(""));

/** Whether the store must take `name`: written out again here from the rule in docs/store.md ("Names"), not from the schema. */
export function isValidName(name: string): boolean {
  if (name.length < 1 || name.length > 255 || /^\s|\s$/.test(name)) return false;
  for (const c of name) {
    const cp = c.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x2028 && cp <= 0x202e)) return false;
    if (cp >= 0x2066 && cp <= 0x2069) return false;
  }
  return true;
}
