/**
 * The dashboard's form fields, read with valibot: a form (or a query) is
 * checked against an object schema of its fields, and each refused field
 * keeps what was typed and gets its error beside it. The kinds of field the
 * forms share are here; the store's own validation then says what each may
 * be.
 *
 * @module
 */

import { html } from "hono/html";
import * as v from "valibot";
import { type Issue, TaskError } from "../../errors.ts";
import type { Html } from "./html.ts";

/** The fields of a form, what was typed, and the error beside each. */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  /** An error that belongs to no one field. */
  general?: string;
}

/** A form's fields as an object schema: each entry reads one field (a string, a file, or absent). */
type FieldsSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

/** A field read from what was typed; a missing field reads as an empty one (`""`). */
const field = <T>(read: (typed: unknown) => T) => v.optional(v.pipe(v.unknown(), v.transform(read)), "");

/** A text field: what was typed, or `undefined` when it was left empty (or is not text). */
export const text = field((x): string | undefined => (typeof x === "string" && x !== "" ? x : undefined));

/** A text field without its surrounding spaces; `undefined` when nothing is left. */
export const trimmed = field((
  x,
): string | undefined => (typeof x === "string" && x.trim() !== "" ? x.trim() : undefined));

/** A field that must be filled in (`kind` says what counts as filled: {@link text} or {@link trimmed}). */
export const required = (kind: typeof text) => v.pipe(kind, v.string("is required"));

/** A whole number typed in the form ("-5" is one: the store then says it must not be negative). */
export const wholeNumber = v.pipe(
  trimmed,
  v.optional(v.pipe(v.string(), v.regex(/^-?\d+$/, "must be a whole number"), v.transform(Number))),
);

/** Each issue as a sokka `Issue`: its field's name and why it was refused. */
function issuesOf(issues: readonly v.BaseIssue<unknown>[]): Issue[] {
  return issues.map((i) => ({ path: v.getDotPath(i) ?? "", message: i.message }));
}

/**
 * The form's fields as `schema` reads them (none when one is refused), what
 * was typed in each (its text fields), and each refused field's error.
 *
 * @example
 * ```ts
 * const { state, fields } = readForm(v.object({ priority: wholeNumber }), await c.req.parseBody());
 * ```
 */
export function readForm<S extends FieldsSchema>(
  schema: S,
  input: Record<string, unknown>,
): { state: FormState; fields?: v.InferOutput<S> } {
  const state: FormState = { values: {}, errors: {} };
  for (const k of Object.keys(schema.entries)) if (typeof input[k] === "string") state.values[k] = input[k];
  const result = v.safeParse(schema, input);
  if (result.success) return { state, fields: result.output };
  for (const i of issuesOf(result.issues)) state.errors[i.path] ??= i.message;
  return { state };
}

/** The form's fields as `schema` reads them, or a 400 `invalid-request` saying `refusal`, with each field's issue. */
export function fieldsOrThrow<S extends FieldsSchema>(
  schema: S,
  input: Record<string, unknown>,
  refusal: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw new TaskError("bad-request", "invalid-request", refusal, { issues: issuesOf(result.issues) });
}

/** Puts a refusal's issues beside their fields (the first segment of each path); the rest is general. */
export function fieldErrors(state: FormState, e: TaskError): void {
  const issues: Issue[] = e.issues ?? [];
  for (const i of issues) {
    const field = i.path.split(".")[0];
    if (field && field in state.values) state.errors[field] = i.message;
    else state.general = e.message;
  }
  if (!issues.length) state.general = e.message;
}

/** An input's error, beside it. */
export function errorOf(state: FormState, field: string): Html | string {
  const text = state.errors[field];
  return text ? html`<span class="field-error" id="${field}-error" role="alert">${field} ${text}</span>` : "";
}

/** The attributes that mark an input as refused and point at its error. */
export function invalidAttrs(state: FormState, field: string): Html | string {
  return state.errors[field] ? html`class="invalid" aria-invalid="true" aria-describedby="${field}-error"` : "";
}
