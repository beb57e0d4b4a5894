// The section of BENCHMARKS.md that `npm run bench:peers -- --write` owns (bench/bench.mjs carries it over).
import { sectionOf } from "../sections.mjs";

export const QUEUES_HEADING = "## Beside other queues (npm run bench:peers)";

/** The other-queues section of a BENCHMARKS.md text, or "" when it has none. */
export function queuesSection(md) {
  return sectionOf(md, QUEUES_HEADING);
}
