/**
 * A valibot schema as the JSON Schema the OpenAPI document shows, through
 * `@valibot/to-json-schema`.
 *
 * @module
 */

import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";

/** A JSON Schema, as an object. */
export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of what `schema` accepts (its input), without `$schema`. */
export function jsonSchema(schema: v.GenericSchema): JsonSchema {
  const { $schema: _, ...rest } = toJsonSchema(schema, {
    errorMode: "ignore",
    typeMode: "input",
    // maxChars (src/schemas.ts) counts code points, as JSON Schema's maxLength does
    overrideAction: ({ valibotAction, jsonSchema }) => {
      const max = (valibotAction as { maxChars?: number }).maxChars;
      return max === undefined ? undefined : { ...jsonSchema, maxLength: max };
    },
  }) as JsonSchema;
  return rest;
}
