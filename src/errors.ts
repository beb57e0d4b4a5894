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
  | "method-not-allowed"
  | "forbidden"
  | "conflict"
  | "too-large"
  | "unsupported-media-type"
  | "unavailable"
  | "internal";

/**
 * Every error code sokka throws or answers with, and the type it comes with.
 * The table of error codes in docs/reference.md lists exactly these (a test checks it).
 */
export const ERROR_CODES = {
  "invalid-task": "bad-request",
  "invalid-options": "bad-request",
  "invalid-outcome": "bad-request",
  "invalid-query": "bad-request",
  "invalid-request": "bad-request",
  "invalid-cursor": "bad-request",
  "invalid-schedule": "bad-request",
  "task-not-found": "not-found",
  "route-not-found": "not-found",
  "schedule-not-found": "not-found",
  "group-not-found": "not-found",
  "method-not-allowed": "method-not-allowed",
  "wrong-owner": "forbidden",
  "lease-expired": "forbidden",
  "cross-site-request": "forbidden",
  "host-not-allowed": "forbidden",
  "task-already-exists": "conflict",
  "duplicate-task": "conflict",
  "unique-key-held": "conflict",
  "invalid-status": "conflict",
  "invalid-status-transition": "conflict",
  "task-cancelled": "conflict",
  "task-concurrently-updated": "conflict",
  "data-too-large": "too-large",
  "unsupported-content-type": "unsupported-media-type",
  "store-unavailable": "unavailable",
  "store-closed": "unavailable",
  "store-timeout": "unavailable",
  "internal-error": "internal",
} as const satisfies Record<string, ErrorType>;

/** The precise reason of an error (see {@link ERROR_CODES} for the type of each). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem of a refused input: which field (dotted path) and why. */
export interface Issue {
  /** The refused field, dotted (`"data"`, `"limit"`, `"0.topic"`); `""` for the input as a whole. */
  path: string;
  /** Why it was refused. */
  message: string;
}

/** HTTP status of each error type. */
export const HTTP_STATUS: Record<ErrorType, 400 | 403 | 404 | 405 | 409 | 413 | 415 | 500 | 503> = {
  "bad-request": 400,
  "not-found": 404,
  "method-not-allowed": 405,
  forbidden: 403,
  conflict: 409,
  "too-large": 413,
  "unsupported-media-type": 415,
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
