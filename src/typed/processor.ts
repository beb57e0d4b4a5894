/**
 * The consumer's side of a typed task: the processor that checks a task's
 * data before the user's function runs (data written before a deploy may
 * no longer match) and its result before it is written. A mismatch fails
 * the attempt with the schema's message; nothing here throws.
 *
 * @module
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import { capErrorText } from "../schemas/error-text.ts";
import type { Outcome, ProcessorFn } from "../types.ts";
import { failed } from "../worker/outcome.ts";
import { checkStandard, issuesText } from "./standard.ts";
import type { TypedProcessorFn } from "./types.ts";

/** What the processor needs of a definition. */
interface Checks {
  topic: string;
  schema: StandardSchemaV1<unknown, unknown>;
  result: StandardSchemaV1 | undefined;
}

/** The message of an attempt failed because the stored data does not match the definition's schema. */
export function dataMismatch(topic: string, text: string): string {
  return capErrorText(`task data does not match the schema of topic "${topic}": ${text}`);
}

/** `pfn` wrapped: data validated (and transformed) before it runs, the completed result validated after. */
export function typedProcessor<Out, Res>(def: Checks, pfn: TypedProcessorFn<Out, Res>): ProcessorFn {
  return async (task, ctx) => {
    const data = await checkStandard(def.schema, task.data, "data");
    if (data.issues) return failed(dataMismatch(def.topic, issuesText(data.issues)));
    const value = await pfn({ ...task, data: data.value as Out }, ctx);
    return (def.result ? await checkResult(def.topic, def.result, value) : value) as Outcome;
  };
}

/**
 * A completed outcome whose `result` the result schema refuses becomes a
 * failed one naming the issues; any other value is passed on unchanged
 * (the worker reads it as it reads every returned value). The result is
 * stored as returned, not as the schema's output.
 */
async function checkResult(topic: string, schema: StandardSchemaV1, value: unknown): Promise<unknown> {
  let result: unknown;
  try {
    const o = value as { event?: unknown; result?: unknown } | null;
    if (o === null || typeof o !== "object" || o.event !== "completed" || o.result === undefined) return value;
    result = o.result;
  } catch {
    return value; // a value whose getters throw: the worker reads and refuses it
  }
  const checked = await checkStandard(schema, result, "result");
  if (!checked.issues) return value;
  return failed(
    capErrorText(`result does not match the result schema of topic "${topic}": ${issuesText(checked.issues)}`),
  );
}
