/**
 * `TaskError`: the one error type sokka throws, with a `type` (which maps to
 * an HTTP status) and a precise `code`.
 *
 * @module
 */

/** Broad class of an error; each maps to one HTTP status. */
export type ErrorType =
  | "bad-request"
  | "not-found"
  | "forbidden"
  | "conflict"
  | "too-large"
  | "unavailable"
  | "internal";

/** The precise reason of an error. */
export type ErrorCode =
  | "invalid-task"
  | "invalid-cursor"
  | "task-not-found"
  | "task-already-exists"
  | "invalid-status"
  | "invalid-status-transition"
  | "wrong-owner"
  | "lease-expired"
  | "task-concurrently-updated"
  | "data-too-large"
  | "store-unavailable"
  | "internal-error"
  | "invalid-options";

/** One problem of a refused input: which field (dotted path) and why. */
export interface Issue {
  /** The refused field, dotted (`"data"`, `"limit"`, `"0.topic"`); `""` for the input as a whole. */
  path: string;
  /** Why it was refused. */
  message: string;
}

/** HTTP status of each error type. */
export const HTTP_STATUS: Record<ErrorType, 400 | 403 | 404 | 409 | 413 | 500 | 503> = {
  "bad-request": 400,
  "not-found": 404,
  forbidden: 403,
  conflict: 409,
  "too-large": 413,
  unavailable: 503,
  internal: 500,
};

/**
 * The error of every refused or failed operation.
 *
 * @example
 * ```ts
 * try {
 *   await taskq.terminate(taskId, "me");
 * } catch (e) {
 *   if (e instanceof TaskError && e.code === "wrong-owner") console.log("someone else owns it");
 * }
 * ```
 */
export class TaskError extends Error {
  /** The kind of failure; decides the HTTP status ({@link HTTP_STATUS}). */
  readonly type: ErrorType;
  /** The precise reason. */
  readonly code: ErrorCode;
  /** Extra facts, e.g. the task's current status or owner. */
  readonly details?: unknown;
  /** For validation errors: every field that was refused. */
  readonly issues?: Issue[];

  /** Builds an error; sokka throws these, you rarely need to. */
  constructor(
    type: ErrorType,
    code: ErrorCode,
    message: string,
    opts: { details?: unknown; issues?: Issue[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "TaskError";
    this.type = type;
    this.code = code;
    if (opts.details !== undefined) this.details = opts.details;
    if (opts.issues !== undefined) this.issues = opts.issues;
  }

  /** The HTTP status that fits this error's type. */
  get status(): number {
    return HTTP_STATUS[this.type];
  }
}

/** True when `e` is a `TaskError` of the given code. */
export function isTaskError(e: unknown, code?: ErrorCode): e is TaskError {
  return e instanceof TaskError && (code === undefined || e.code === code);
}
