/**
 * Typed task definitions looked up by topic, for a caller that creates
 * tasks of many topics from untyped input (the HTTP routes): the data of a
 * defined topic is checked by its schema, other topics pass unchecked.
 *
 * @module
 */

import { invalid } from "../schemas/parse.ts";
import { refusedData } from "./define-task.ts";
import { checkStandard } from "./standard.ts";
import type { TaskDefinition } from "./types.ts";

/** Definitions by their topic. */
export type DefinitionsByTopic = ReadonlyMap<string, TaskDefinition<any, any, any>>;

/** The definitions by topic; two of one topic are refused (`invalid-options`), naming both places. */
export function byTopic(definitions: readonly TaskDefinition<any, any, any>[], what: string): DefinitionsByTopic {
  const map = new Map<string, TaskDefinition<any, any, any>>();
  const at = new Map<string, number>();
  definitions.forEach((d, i) => {
    if (at.has(d.topic)) {
      throw invalid(what, [{
        path: `tasks.${i}`,
        message: `defines topic "${d.topic}" again (tasks.${at.get(d.topic)} does); one definition per topic`,
      }], "invalid-options");
    }
    map.set(d.topic, d);
    at.set(d.topic, i);
  });
  return map;
}

/**
 * Checks the data of every item whose topic is defined; the first refused
 * item (by position) is thrown as `bad-request/invalid-task` naming its
 * issues (`data.…`), with `details.index` when `batch`. Writes nothing.
 */
export async function checkDefined(
  definitions: DefinitionsByTopic,
  items: readonly { topic: string; data?: unknown }[],
  what: string,
  batch = false,
): Promise<void> {
  if (definitions.size === 0) return;
  const found = await Promise.all(items.map(async (item) => {
    const d = definitions.get(item.topic);
    return d ? { topic: d.topic, checked: await checkStandard(d.schema, item.data ?? null, "data") } : undefined;
  }));
  const i = found.findIndex((f) => f?.checked.issues);
  if (i < 0) return;
  const { topic, checked } = found[i]!;
  throw refusedData(what, topic, checked.issues!, batch ? i : undefined);
}
