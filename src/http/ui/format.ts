/**
 * How the dashboard writes numbers, names, times and statuses: counts with
 * a comma every three digits (12,345), the same in every locale and runtime,
 * so a page reads the same wherever it is rendered; a name that may be too
 * long for its cell, cut with an ellipsis by the stylesheet, the whole of it
 * in its `title`; every time in UTC, saying so; a span of time in words;
 * a status as a badge.
 *
 * @module
 */

import { html } from "hono/html";
import type { Html } from "./html.ts";

/** A count with thousands separators: 12345 → "12,345" (no locale: always a comma). */
export function count(n: number): string {
  const [int, frac] = String(n).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+$)/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/**
 * A name on one line, cut to its cell with an ellipsis (the `clip` class),
 * the whole name as its title; a link when `href` is given.
 */
export function clipped(text: string, href?: string): Html {
  return href
    ? html`<a class="clip" href="${href}" title="${text}">${text}</a>`
    : html`<span class="clip" title="${text}">${text}</span>`;
}

/** A time, in UTC, saying so. */
export function time(ms: number | null): Html | string {
  if (ms === null) return "—";
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.replace("T", " ").slice(0, 19)} UTC</time>`;
}

/** A status badge. */
export function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}

/** A span of time as people read it: 350 ms, 4.2 s, 12 min, 3 h, 2 d; "—" for none. */
export function duration(ms: number | null): string {
  if (ms === null) return "—";
  const sign = ms < 0 ? "−" : "";
  const a = Math.abs(ms);
  const body = a < 1000
    ? `${Math.round(a)} ms`
    : a < 60_000
    ? `${(Math.floor(a / 100) / 10).toFixed(1)} s`
    : a < 3_600_000
    ? `${Math.floor(a / 60_000)} min`
    : a < 86_400_000
    ? `${Math.floor(a / 3_600_000)} h`
    : `${Math.floor(a / 86_400_000)} d`;
  return sign + body;
}
