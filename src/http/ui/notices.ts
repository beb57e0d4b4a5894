/**
 * The banner an action leaves on the page it redirects to (`?notice=<key>`,
 * the action's past tense): only known keys are shown, so no user text is
 * reflected.
 *
 * @module
 */

import { html } from "hono/html";
import { LIMITS_SET, SCHEDULE_ACTIONS, TASK_ACTIONS, TOPIC_ACTIONS } from "./actions.ts";
import type { Html } from "./html.ts";

/** What an action did, by its past tense. */
export const NOTICES: Readonly<Record<string, string>> = Object.fromEntries([
  ["created", "Task created."],
  [LIMITS_SET.done, LIMITS_SET.notice],
  ...[TASK_ACTIONS, TOPIC_ACTIONS, SCHEDULE_ACTIONS].flatMap((t) => Object.values(t)).map((a) => [a.done, a.notice]),
]);

/** The banner of `?notice=<key>`, if the key is known. */
export function notice(key: string | undefined): Html | string {
  const text = key && Object.hasOwn(NOTICES, key) ? NOTICES[key] : undefined;
  return text ? html`<div class="notice" role="status">${text}</div>` : "";
}
