/**
 * The contract of one HTTP operation, the single declaration of a route:
 * `sokkaRoutes` registers the Hono route from it (method, path, validation,
 * handler) and `openApiDocument` writes its OpenAPI operation (the same
 * schemas, a summary, examples, the answers).
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import type * as v from "valibot";
import type { BadInputCode } from "../../schemas.ts";
import type { TaskQ } from "../../types.ts";
import type { DefinitionsByTopic } from "../../typed/by-topic.ts";
import type { JsonSchema } from "../json-schema.ts";

/** What a handler uses besides its request. */
export interface Deps {
  /** The store. */
  taskq: TaskQ;
  /** Most topics `GET /metrics` lists by name. */
  metricsTopics: number;
  /** Typed task definitions by topic (`sokkaRoutes({ tasks })`): the data of their tasks is checked at create. */
  definitions: DefinitionsByTopic;
  /** The OpenAPI document, its `servers` naming `basePath` (where the routes are mounted). */
  document(basePath: string): Record<string, unknown>;
}

/** The OpenAPI tag an operation is listed under. */
export type Tag = "tasks" | "operator" | "topics" | "schedules" | "pull consumers" | "monitoring" | "reference";

/** What a schema gives the handler once it has validated the request, or `undefined` without one. */
type Out<S> = S extends v.GenericSchema ? v.InferOutput<S> : undefined;

/** One route: what it takes, what it answers, and what it does. */
export interface Operation<
  B extends v.GenericSchema | undefined = any,
  Q extends v.GenericSchema | undefined = any,
  P extends string = any,
> {
  /** A write (any but `get`) is refused when a page of another site sends it (middleware/cross-site.ts). */
  method: "get" | "post" | "put" | "delete";
  /** Hono's form, `/tasks/:taskId`; the document writes `/tasks/{taskId}`. */
  path: P;
  /** The OpenAPI `operationId`. */
  id: string;
  summary: string;
  tag: Tag;
  /** The JSON body: refused with 415 when not JSON, then validated (400 `code`, default `invalid-request`). */
  body?: {
    schema: B;
    code?: BadInputCode;
    optional?: true;
    example: Record<string, unknown>;
    /** Where to send a body that is an array instead (said in its refusal). */
    arrayHint?: string;
  };
  /** The query string, validated (400 `invalid-query`). */
  query?: { schema: Q; example: Record<string, string> };
  /** Middleware run before validation (a page's headers). */
  use?: MiddlewareHandler[];
  /** The success answer. */
  ok: {
    status: 200 | 201 | 204;
    schema?: JsonSchema;
    /** A text answer of this media type instead of JSON. */
    text?: "text/plain" | "text/html";
    /** 204 is an answer too (nothing to answer). */
    also204?: true;
    /** 201 is an answer too, with the same schema: what it means (a `PUT` that created its resource). */
    also201?: string;
    /** 200 is an answer too, with the same schema: what it means (a create that found its task already there). */
    also200?: string;
    description: string;
  };
  /** The error statuses the operation answers (403 on every write and 503 are added for every operation). */
  errors: number[];
  /** What an error status means here, when not what the document says of it in general. */
  errorText?: Partial<Record<number, string>>;
  /** Answers the validated request. */
  handle(
    c: Context<any, P>,
    input: { body: Out<B>; query: Out<Q> },
    deps: Deps,
  ): Response | Promise<Response>;
}

/**
 * Declares an operation, typing its handler's input from its schemas.
 *
 * @example
 * ```ts
 * operation({
 *   method: "post", path: "/tasks", id: "createTask", summary: "Create a task", tag: "tasks",
 *   body: { schema: TaskDefSchema, code: "invalid-task", example: { topic: "email" } },
 *   ok: { status: 201, schema: ref("Task"), description: "the task as stored" },
 *   errors: [400, 409, 413, 415],
 *   handle: async (c, { body }, { taskq }) => c.json(await taskq.createTask(body), 201),
 * });
 * ```
 */
export function operation<
  P extends string,
  B extends v.GenericSchema | undefined = undefined,
  Q extends v.GenericSchema | undefined = undefined,
>(op: Operation<B, Q, P>): Operation {
  return op;
}
