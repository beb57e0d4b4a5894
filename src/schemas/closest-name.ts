/**
 * The known field name closest to a misspelt or borrowed one, for the "did
 * you mean" of an unknown field.
 *
 * @module
 */

/**
 * Names other queues and habits use for a field sokka names otherwise
 * ("payload" for `data`): suggested when the field exists where the typo was.
 */
const ALIASES: Record<string, string[]> = {
  // first: where a worker or a task definition knows both, "handler" is its function, not its topic
  pfn: ["handler", "handle", "processor", "process", "fn", "callback", "perform"],
  data: ["payload", "body", "args", "params", "input"],
  topic: ["queue", "queuename", "name", "handler", "task", "type", "job"],
  taskId: ["id", "jobid", "key"],
  taskGroupId: ["groupid", "group", "batchid", "batch"],
  taskDescription: ["description", "desc", "label", "title"],
  maxAttempts: ["attempts", "retries", "maxretries", "retry", "tries"],
  runAt: ["runafter", "scheduledat", "scheduledfor", "startafter", "at", "when"],
  delayMs: ["delay", "wait", "startin"],
  timeoutMs: ["timeout", "ttl", "expirein"],
  priority: ["prio", "pri"],
  status: ["state"],
};

/** The names a task's function goes by (`pfn`, and what other queues call it), lower-cased. */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set(["pfn", ...ALIASES.pfn]);

/**
 * The known name closest to `name`: what other queues call it (`ALIASES`,
 * in their order: "payload" → "data"), else one within edit distance 1, else one it is the
 * start, end or inside of, or that starts with it (at least 3 letters each:
 * "timeout" → "timeoutMs", "description" → "taskDescription"), else the
 * nearest by edit distance (at most a third of its length, at least 2);
 * undefined when none is close.
 */
export function closest(name: string, known: string[]): string | undefined {
  const lower = name.toLowerCase();
  const alias = Object.keys(ALIASES).find((k) => known.includes(k) && ALIASES[k].includes(lower));
  if (alias) return alias;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (best && bestDistance <= 1) return best;
  // the shortest known name that contains it, or that it contains, each at least 3 letters long
  const related = lower.length >= 3
    ? known
      .filter((k) => k.length >= 3 && (k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase())))
      .sort((a, b) => a.length - b.length)[0]
    : undefined;
  return related ?? best;
}

/** Levenshtein distance (names are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
