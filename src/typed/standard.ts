/**
 * Running any Standard Schema v1 (valibot, zod, arktype, …) without
 * trusting it: its issues as sokka's dotted `Issue`s, a schema that throws
 * or answers nonsense as one issue, never a throw.
 *
 * @module
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Issue } from "../errors.ts";
import { describeError } from "../worker/describe.ts";

/** What a check found: the schema's output, or its issues (never both). */
export type Checked<T> = { value: T; issues?: undefined } | { value?: undefined; issues: Issue[] };

/** True when `x` implements Standard Schema v1 (`~standard.version === 1` and a `validate` function). */
export function isStandardSchema(x: unknown): x is StandardSchemaV1 {
  if ((typeof x !== "object" && typeof x !== "function") || x === null) return false;
  try {
    const props = (x as Partial<StandardSchemaV1>)["~standard"];
    return props?.version === 1 && typeof props.validate === "function";
  } catch {
    return false;
  }
}

/**
 * Validates `value` with `schema` (sync or async); each issue's path is
 * dotted under `at` (`data.items.0.name`). Never throws: a schema that
 * throws or returns no result is reported as one issue at `at`.
 */
export async function checkStandard<In, Out>(
  schema: StandardSchemaV1<In, Out>,
  value: unknown,
  at: string,
): Promise<Checked<Out>> {
  try {
    const result = await schema["~standard"].validate(value);
    if (result === null || typeof result !== "object") {
      return {
        issues: [{
          path: at,
          message: "could not be checked: the schema returned no result (not a Standard Schema v1)",
        }],
      };
    }
    if (!result.issues) return { value: result.value };
    const issues = [...result.issues].map((i) => ({ path: joinPath(at, i.path), message: String(i.message) }));
    return { issues: issues.length ? issues : [{ path: at, message: "refused by the schema" }] };
  } catch (e) {
    // its name and message only: the answer of a refused request must not carry the server's stack
    const why = e instanceof Error ? `${e.name}: ${e.message}` : describeError(e);
    return { issues: [{ path: at, message: `could not be checked: the schema threw ${why}` }] };
  }
}

/** `at` and an issue's path, dotted: keys and `{ key }` segments alike (`data` + [items, 0] → `data.items.0`). */
function joinPath(at: string, path: StandardSchemaV1.Issue["path"]): string {
  const keys = (path ?? []).map((s) => String(typeof s === "object" && s !== null ? s.key : s));
  return [at, ...keys].filter((k) => k !== "").join(".");
}

/** Issues as one line: `data.to must be an email; data.age must be a number`. */
export function issuesText(issues: Issue[]): string {
  return issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join("; ");
}
