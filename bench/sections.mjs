// BENCHMARKS.md is written by several scripts, each owning sections that bench.mjs carries over
// when it regenerates the rest: one way to find a section by its heading.

/** The section of a BENCHMARKS.md text that starts with `heading` (up to the next `## `), or "" when it has none. */
export function sectionOf(md, heading) {
  const at = md.indexOf(heading);
  if (at === -1) return "";
  const next = md.indexOf("\n## ", at + heading.length);
  return md.slice(at, next === -1 ? undefined : next + 1).trimEnd() + "\n";
}
