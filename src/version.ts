/**
 * sokka's version, copied from package.json (with jsr.json and deno.json) by
 * `.ci/sync-version.mjs`, which `npm version` runs; a test keeps them equal.
 * `sokka --version` and the OpenAPI document say it.
 *
 * @module
 */

/** The version of this sokka. */
export const VERSION = "0.1.0";
