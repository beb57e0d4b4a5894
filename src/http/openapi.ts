/**
 * The OpenAPI 3.1 document of the routes (`GET /openapi.json`), generated
 * from the route table (src/http/operations/): each operation's path, the
 * valibot schemas its route validates requests with, an example request,
 * and schemas of what it answers. The test suite sends each operation's
 * example and checks the answer against the document.
 *
 * @module
 */

import { Name } from "../schemas.ts";
import { ScheduleName } from "../schemas/schedule-def.ts";
import { VERSION } from "../version.ts";
import { ref, SCHEMAS } from "./answers.ts";
import { type JsonSchema, jsonSchema } from "./json-schema.ts";
import { OPERATIONS } from "./operations/mod.ts";
import type { Operation } from "./operations/operation.ts";

/** What each error status means, unless an operation says otherwise (`errorText`). */
const ERROR_TEXT: Record<number, string> = {
  400: "bad input: `issues` names each refused field",
  403: "the task is another worker's",
  404: "no such task",
  409: "the task is not in a state that allows it (its status or lease)",
  413: "too large",
  415: "the body is not JSON",
  503: "the store is unreachable, timed out or did not commit (store-unavailable, store-timeout): " +
    "nothing is acknowledged; try again",
};
/** Every write (POST, PUT, DELETE) refuses a cross-site request (middleware/cross-site.ts): a 403 beside whatever else 403 means there. */
const CROSS_SITE = "a cross-site request (forbidden/cross-site-request: `Sec-Fetch-Site` cross-site or same-site, " +
  "or an `Origin` that is not allowed)";

/** An operation's path as OpenAPI writes it: `/tasks/{taskId}` for Hono's `/tasks/:taskId`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

/** Each path parameter's schema (a name as the store checks it) and example. */
const PATH_PARAMETERS: Record<string, { schema: JsonSchema; example: string }> = {
  topic: { schema: jsonSchema(Name), example: "email" },
  taskGroupId: { schema: jsonSchema(Name), example: "GROUP_ID" },
  taskId: { schema: jsonSchema(Name), example: "TASK_ID" },
  name: { schema: jsonSchema(ScheduleName), example: "nightly-report" }, // a schedule's
};

function pathParameters(path: string) {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    ...(PATH_PARAMETERS[name] ?? PATH_PARAMETERS.taskId),
  }));
}

function queryParameters({ schema, example }: NonNullable<Operation["query"]>) {
  const s = jsonSchema(schema) as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties).map(([name, p]) => ({
    name,
    in: "query",
    required: s.required?.includes(name) ?? false,
    schema: p,
    ...(name in example ? { example: example[name] } : {}),
  }));
}

function responses(op: Operation): Record<string, unknown> {
  const { ok } = op;
  const answers: Record<string, unknown> = {
    [ok.status]: {
      description: ok.description,
      ...(ok.schema ? { content: { "application/json": { schema: ok.schema } } } : {}),
      ...(ok.text ? { content: { [ok.text]: { schema: { type: "string" } } } } : {}),
    },
  };
  if (ok.also201) answers[201] = { ...(answers[ok.status] as object), description: ok.also201 };
  if (ok.also200) answers[200] = { ...(answers[ok.status] as object), description: ok.also200 };
  if (ok.also204) answers[204] = { description: "nothing to answer" };
  const write = op.method !== "get";
  const errors = new Set([...op.errors, ...(write ? [403] : []), 503]);
  for (const status of [...errors].sort((a, b) => a - b)) {
    const text = op.errorText?.[status] ?? ERROR_TEXT[status];
    answers[status] = {
      description: status !== 403 || !write ? text : op.errors.includes(403) ? `${text}, or ${CROSS_SITE}` : CROSS_SITE,
      content: { "application/json": { schema: ref("Error") } },
    };
  }
  return answers;
}

function operationObject(op: Operation): Record<string, unknown> {
  return {
    operationId: op.id,
    summary: op.summary,
    tags: [op.tag],
    parameters: [...pathParameters(op.path), ...(op.query ? queryParameters(op.query) : [])],
    ...(op.body
      ? {
        requestBody: {
          required: !op.body.optional,
          content: { "application/json": { schema: jsonSchema(op.body.schema), example: op.body.example } },
        },
      }
      : {}),
    responses: responses(op),
  };
}

let doc: Record<string, unknown> | undefined;

function baseDocument(): Record<string, unknown> {
  if (doc) return doc;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) (paths[openApiPath(op.path)] ??= {})[op.method] = operationObject(op);
  doc = {
    openapi: "3.1.0",
    info: {
      title: "sokka",
      version: VERSION,
      description:
        "A durable background task queue on libSQL. Every request body and query is validated with the schemas shown here; errors are { error: { type, code, message, issues? } }.",
    },
    paths,
    components: { schemas: SCHEMAS },
  };
  return doc;
}

/**
 * The document (built once), with `servers` naming where the routes are
 * mounted: `basePath` is the path before `/openapi.json` (`/sokka` for
 * `app.route("/sokka", sokkaRoutes(…))`), so a generated client calls
 * `/sokka/tasks`, not `/tasks`.
 */
export function openApiDocument(basePath = ""): Record<string, unknown> {
  return { ...baseDocument(), servers: [{ url: basePath || "/" }] };
}
