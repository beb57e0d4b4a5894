/** The check every multi-process test makes of a child it stopped (kept apart from processes.ts, which the global setup loads without vitest's state). */
import { expect } from "vitest";
import { complaints } from "./processes.ts";

/**
 * Expects a child to have exited by itself with 0 and no complaint: its code,
 * signal and stderr compared at once, so that a failure shows all three (a
 * signal with no output says the process was killed, not that it failed).
 */
export function expectCleanExit(
  e: { code: number | null; signal: string | null; stderr: string },
  name = "child",
): void {
  expect({ code: e.code, signal: e.signal, stderr: complaints(e.stderr) }, name).toEqual({
    code: 0,
    signal: null,
    stderr: "",
  });
}
