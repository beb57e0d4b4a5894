/**
 * The parsers of option values (`--priority 3`, `--delay 30s`, `--data '{…}'`):
 * each refuses a value of the wrong form as a usage error (exit code 2).
 *
 * @module
 */

import { InvalidArgumentError } from "commander";
import { parseDuration } from "./output.ts";

/** A whole number; `what` names the option in the message. */
export const int = (what: string) => (text: string): number => {
  if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`${what} must be an integer.`);
  return Number(text);
};
/** A duration such as 500ms, 30s, 15m, 12h, 7d, in ms. */
export const duration = (text: string): number => {
  const ms = parseDuration(text);
  if (ms === null) throw new InvalidArgumentError("must be a duration such as 500ms, 30s, 15m, 12h, 7d.");
  return ms;
};
/** Any JSON value. */
export const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be JSON, e.g. \'{"to":"a@example.com"}\'.');
  }
};
