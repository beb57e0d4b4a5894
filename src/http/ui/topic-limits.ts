/**
 * A topic's limits on the dashboard: a compact mark in its row of the
 * topics' table (running against the cap, how many ready tasks are held
 * back), the limits in words on its own page, and the form that sets or
 * removes them there (read here: its fields, and the store's refusals put
 * back beside them).
 *
 * @module
 */

import { html } from "hono/html";
import * as v from "valibot";
import type { TaskError } from "../../errors.ts";
import type { TopicLimits, TopicStats } from "../../types.ts";
import { count, duration } from "./format.ts";
import { errorOf, type FormState, invalidAttrs, readForm, required, text, wholeNumber } from "./form-fields.ts";
import type { Html } from "./html.ts";

/** A rate in words: "50 per 1.0 s", "+ 10 burst" when it has one. */
function rateText(rate: NonNullable<TopicLimits["rate"]>): string {
  return `${count(rate.limit)} per ${duration(rate.periodMs)}${rate.burst ? ` + ${count(rate.burst)} burst` : ""}`;
}

/** The limits in words, for a title or the topic's page. */
export function limitsText(l: TopicLimits): string {
  const perKey = l.partitioned ? " per key" : "";
  return [
    l.concurrency === undefined ? "" : `at most ${count(l.concurrency)} running${perKey}`,
    l.rate ? `${rateText(l.rate)}${perKey}` : "",
    l.partitioned ? "partitioned by partitionKey" : "",
  ].filter(Boolean).join(" · ");
}

/** Running against the cap: "3 / 5" ("3 / 5 per key" when partitioned); the running count alone without a cap. */
function runningText(s: TopicStats): string {
  const cap = s.limits?.concurrency;
  return cap === undefined
    ? count(s.running)
    : `${count(s.running)} / ${count(cap)}${s.limits!.partitioned ? " per key" : ""}`;
}

/** The marks under a topic's name: running against the cap (or "limited"), and "held back N" when some are. */
export function limitsMark(s: TopicStats): Html | string {
  const limits = s.limits
    ? html`<span class="badge limits" data-limits="${s.limits.concurrency === undefined ? "rate" : "cap"}" title="${
      limitsText(s.limits)
    }">${s.limits.concurrency === undefined ? "limited" : runningText(s)}</span>`
    : "";
  const held = s.heldBack
    ? html`
      <span class="badge held-back" data-held-back="${s.heldBack}"
        title="ready tasks the limits keep waiting now">held back ${count(s.heldBack)}</span>
    `
    : "";
  // a line of its own under the name, so the name keeps its room in the cell
  return limits || held ? html`<div class="marks">${limits}${held}</div>` : "";
}

/** The limits on the topic's page (refreshed with its counts): what they are, running against them, held back. */
export function limitsCard(s: TopicStats): Html {
  const body = s.limits
    ? html`
      <dl>
        <dt>limits</dt>
        <dd data-testid="limits">${limitsText(s.limits)}</dd>
        <dt>running</dt>
        <dd data-testid="running">${runningText(s)} running</dd>
        <dt>held back</dt>
        <dd data-testid="held-back">${count(s.heldBack)} ready, kept waiting by the limits</dd>
      </dl>
    `
    : html`<p class="muted" data-testid="limits">No limits: its tasks are reserved as fast as workers ask.${
      s.heldBack
        ? html`
          <span data-testid="held-back">${count(s.heldBack)} held back by a rateLimited() back-off.</span>
        `
        : ""
    }</p>`;
  return html`<div class="card" data-limits-of="${s.topic}"><h2>Limits</h2>${body}</div>`;
}

/** A checkbox: ticked when sent (as "on", or any value). */
const checkbox = v.optional(v.pipe(v.unknown(), v.transform((x) => typeof x === "string" && x !== "")), false);

/** The form's fields: whole numbers as typed, then `setTopicLimits` says what each may be. */
const LimitsForm = v.object({
  topic: required(text),
  concurrency: wholeNumber,
  rateLimit: wholeNumber,
  ratePeriodMs: wholeNumber,
  rateBurst: wholeNumber,
  partitioned: checkbox,
  from: text,
});

/** Which form field each path of a `setTopicLimits` refusal names. */
const FIELD_OF: Record<string, string> = {
  concurrency: "concurrency",
  rate: "rateLimit",
  "rate.limit": "rateLimit",
  "rate.periodMs": "ratePeriodMs",
  "rate.burst": "rateBurst",
  partitioned: "partitioned",
};

/** The form's topic, its limits (none: a field was refused, see `state`), and what was typed. */
export function readLimitsForm(
  input: Record<string, unknown>,
): { state: FormState; topic?: string; limits?: TopicLimits } {
  const { state, fields } = readForm(LimitsForm, input);
  // the topic, even when another field is refused: its page is shown again with the refusal
  const topic = typeof input.topic === "string" && input.topic !== "" ? input.topic : undefined;
  if (!fields) return { state, topic };
  const { concurrency, rateLimit, ratePeriodMs, rateBurst, partitioned } = fields;
  const limits: TopicLimits = {};
  if (concurrency !== undefined) limits.concurrency = concurrency;
  if (rateLimit !== undefined || ratePeriodMs !== undefined || rateBurst !== undefined) {
    // a part left empty is sent as missing: the store names it (rate.limit, rate.periodMs)
    const rate: Record<string, number> = {};
    if (rateLimit !== undefined) rate.limit = rateLimit;
    if (ratePeriodMs !== undefined) rate.periodMs = ratePeriodMs;
    if (rateBurst !== undefined) rate.burst = rateBurst;
    limits.rate = rate as NonNullable<TopicLimits["rate"]>;
  }
  if (partitioned) limits.partitioned = true;
  return { state, topic, limits };
}

/** Puts `setTopicLimits`'s refusal beside the fields it names; the rest is said above the form. */
export function limitsErrors(state: FormState, e: TaskError): void {
  for (const i of e.issues ?? []) {
    const field = FIELD_OF[i.path];
    if (field) state.errors[field] ??= i.message;
    else state.general = e.message;
  }
  if (!e.issues?.length) state.general = e.message;
}

/** What the form shows at first: the topic's limits as stored. */
export function limitsState(l: TopicLimits | null): FormState {
  const values: Record<string, string> = {};
  if (l?.concurrency !== undefined) values.concurrency = String(l.concurrency);
  if (l?.rate) {
    values.rateLimit = String(l.rate.limit);
    values.ratePeriodMs = String(l.rate.periodMs);
    values.rateBurst = String(l.rate.burst ?? 0);
  }
  if (l?.partitioned) values.partitioned = "on";
  return { values, errors: {} };
}

/** The form that sets the topic's limits (`POST /ui/topics/limits`) or removes them (`POST /ui/topics/remove-limits`). */
export function limitsForm(base: string, topic: string, state: FormState, hasLimits: boolean): Html {
  const val = state.values;
  const input = (name: string, label: string, placeholder: string) =>
    html`<label>${label}<input name="${name}" inputmode="numeric" placeholder="${placeholder}" value="${
      val[name] ?? ""
    }" ${invalidAttrs(state, name)}>${errorOf(state, name)}</label>`;
  return html`
    <form class="card" method="post" action="${base}/topics/limits" data-testid="limits-form">
      <h2>Set limits</h2>
      ${state.general ? html`<div class="alert" role="alert">${state.general}</div>` : ""}
      <input type="hidden" name="topic" value="${topic}"><input type="hidden" name="from" value="topic">
      <div class="row">${input("concurrency", "concurrency (most running at once)", "no cap")}</div>
      <div class="row">${input("rateLimit", "rate: reservations", "no rate")}${input(
        "ratePeriodMs",
        "per period (ms)",
        "1000",
      )}${input("rateBurst", "burst", "0")}</div>
      <div class="row"><label><span><input type="checkbox" name="partitioned" ${val.partitioned
        ? "checked"
        : ""} ${invalidAttrs(state, "partitioned")}> partitioned: per partitionKey</span>${errorOf(
          state,
          "partitioned",
        )}</label></div>
      <p class="muted">Enforced across every process when a task is reserved; the excess waits, never dropped. A worker
        that dies holds its slots until its leases expire.</p>
      <div class="row"><button type="submit">Set limits</button>${hasLimits
        ? html`<button class="secondary" type="submit" formaction="${base}/topics/remove-limits">Remove limits</button>`
        : ""}</div>
    </form>
  `;
}
