/**
 * What the dashboard shows when a page cannot be answered: a missing page or
 * task (404), a refused request (4xx, its reason), a store that could not be
 * reached or did not answer (503), or a failure of its own (500). A store
 * failure while reading says that the data could not be read, never that a
 * write's outcome is unknown: a page's GET writes nothing.
 *
 * @module
 */

import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { TaskError } from "../../errors.ts";
import type { Html } from "./html.ts";

/** The status and body (heading and alert) of the dashboard's answer to `err`. */
export function errorPage(err: Error, method: string, here: string): { status: 400; body: Html } {
  const status = err instanceof TaskError || err instanceof HTTPException ? err.status : 500;
  const reads = method === "GET" || method === "HEAD";
  const answer = (heading: string, alert: Html | string) => ({
    status: status as 400, // (Hono's html() types its status as a literal of the client errors)
    body: html`
      <h1>${heading}</h1>
      <div class="alert" role="alert">${alert}</div>
    `,
  });
  if (err instanceof TaskError && err.type === "unavailable") {
    if (!reads) return answer("The store is unavailable", err.message);
    return answer(
      "The data could not be read",
      html`
        The store is unavailable, so this page could not be read; nothing was changed. <a href="${here}"
        >Try again</a><br><span class="muted">${err.message}</span>
      `,
    );
  }
  if (status === 404) return answer("Not found", err.message);
  if (status >= 500) return answer("Something went wrong", "internal error");
  return answer("The request was refused", err instanceof TaskError ? err.message : err.message || "refused");
}
