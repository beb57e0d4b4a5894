/**
 * A dashboard form's fields. A body that cannot be read as the form it
 * says it is (a `multipart/form-data` without a boundary, or cut short) is
 * the sender's fault: a 400 that says so, not the 500 Hono's parser would
 * throw its way into.
 *
 * @module
 */

import type { Context } from "hono";
import { TaskError } from "../../errors.ts";

/** The form's fields, as `c.req.parseBody()` reads them, or a 400 `invalid-request`. */
export async function formOf(c: Context): Promise<Record<string, string | File | (string | File)[]>> {
  try {
    return await c.req.parseBody();
  } catch (e) {
    throw new TaskError(
      "bad-request",
      "invalid-request",
      `the form's body could not be read (${(e as Error).message})`,
    );
  }
}
