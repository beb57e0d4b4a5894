/**
 * sokka's version, as package.json, jsr.json and deno.json give it (a test
 * keeps them equal): `sokka --version` and the OpenAPI document say it.
 *
 * @module
 */

/** The version of this sokka. */
export const VERSION = "0.1.0";
