/**
 * The task list's filter form: what was typed stays in it, each refused
 * field with its error beside it.
 *
 * @module
 */

import { html } from "hono/html";
import { STATUSES } from "../../../schemas.ts";
import { errorOf, type FormState, invalidAttrs } from "../form-fields.ts";
import type { Html } from "../html.ts";

/** The form (a GET of the list), filled in from `state`; a refusal that names no field below it. */
export function filterForm(base: string, state: FormState): Html {
  const v = state.values;
  const dt = (field: "from" | "to", label: string) => {
    // a datetime-local input holds "YYYY-MM-DDTHH:MM[:SS]"; epoch ms typed in the URL is shown as that
    const ms = v[field] && /^\d+$/.test(v[field]) ? Number(v[field]) : null;
    const shown = ms !== null ? new Date(ms).toISOString().slice(0, 19) : v[field] ?? "";
    // a refused value is shown as typed (a datetime-local input would blank it)
    const type = state.errors[field] ? "text" : "datetime-local";
    return html`<label>${label}<input type="${type}" step="1" name="${field}" value="${shown}" ${
      invalidAttrs(state, field)
    }>${errorOf(state, field)}</label>`;
  };
  return html`<form class="filters card" method="get" action="${base}/tasks">
<label>topic<input name="topic" value="${v.topic ?? ""}"></label>
<label>sub-topic<input name="subTopic" value="${v.subTopic ?? ""}"></label>
<label>schedule<input name="schedule" value="${v.schedule ?? ""}" ${invalidAttrs(state, "schedule")}>${
    errorOf(state, "schedule")
  }</label>
<label>status<select name="status" ${invalidAttrs(state, "status")}><option value="">any</option>${
    STATUSES.map((s) => html`<option value="${s}" ${v.status === s ? "selected" : ""}>${s}</option>`)
  }</select>${errorOf(state, "status")}</label>
${dt("from", "updated from (UTC)")}
${dt("to", "updated to (UTC)")}
<label>order<select name="order"><option value="desc">newest first</option><option value="asc" ${
    v.order === "asc" ? "selected" : ""
  }>oldest first</option></select></label>
<button type="submit">Filter</button></form>
${state.general ? html`<div class="alert" role="alert">${state.general}</div>` : ""}`;
}
