/**
 * The reasons an execution's signal aborts with: a DOMException whose `name`
 * says why (a timeout, a lost lease, a cancel, a stop).
 *
 * @module
 */

/** Names of the reasons an execution's signal aborts with (`signal.reason.name`). */
export const ABORT = {
  timeout: "TimeoutError",
  leaseLost: "LeaseLostError",
  cancelled: "CancelledError",
  stopped: "WorkerStoppedError",
} as const;

/** An abort reason: a DOMException whose `name` says why. */
export function abortReason(name: string, message: string): DOMException {
  return new DOMException(message, name);
}
