/**
 * The table of topics, on the overview (a page of topics, see
 * `topicsFragment`) and on a topic's own page (its one row, then its
 * charts): a row each with its counts per status (each a link to its
 * tasks), how long its oldest ready task has waited, a pause / resume
 * button, its limits' mark (running against the cap, held back; see
 * `topic-limits.ts`) and, on the overview, a sparkline of its last hour. A long name is
 * cut to its cell (the whole of it is the link's title), so the counts stay
 * in view; on a narrow screen each row is a block of labelled counts instead
 * of a wide table.
 *
 * @module
 */

import { html } from "hono/html";
import { STATUSES } from "../../schemas.ts";
import type { Activity, TopicPage, TopicStats } from "../../types.ts";
import { dayChart, hourChart, sparkline } from "./charts.ts";
import { clipped, count, time } from "./format.ts";
import type { Html } from "./html.ts";
import { naturalCompare } from "./natural-order.ts";
import { limitsMark } from "./topic-limits.ts";

/** Topics per page of the overview. */
export const TOPICS_PER_PAGE = 50;

/** The query keys that say which page of the overview is shown (kept by its pager and its pause buttons). */
export const PAGE_KEYS = ["prefix", "cursor", "last"] as const;

/** The keys of `PAGE_KEYS` present (and non-empty) in `values`, as a query string's parameters. */
export function pageParams(values: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams();
  for (const k of PAGE_KEYS) if (typeof values[k] === "string" && values[k]) params.set(k, values[k] as string);
  return params;
}

/** A wait as people read it: 45 s, 12 min, 3 h, 2 d; "—" for none. */
function age(ms: number | null): string {
  if (ms === null) return "—";
  const s = ms / 1000;
  return s < 60
    ? `${Math.floor(s)} s`
    : s < 3600
    ? `${Math.floor(s / 60)} min`
    : s < 86400
    ? `${Math.floor(s / 3600)} h`
    : `${Math.floor(s / 86400)} d`;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function head(spark: boolean): Html {
  return html`<tr class="head"><th>topic</th>${
    STATUSES.map((s) => html`<th class="num">${s}</th>`)
  }<th class="num">total</th><th class="num">oldest ready</th>${spark ? html`<th>last hour</th>` : ""}</tr>`;
}

/** A topic's row: its name (a link to its page) and pause control, counts (each a link to its tasks), age. */
function row(base: string, s: TopicStats, spark: Html | null): Html {
  const t = encodeURIComponent(s.topic);
  // the pause / resume control sits in the topic's own cell, which stays in view on a narrow screen; the buttons
  // submit the table's one form, which carries where to come back to; the topic goes as the button's value, not
  // in the path, where a topic named . or .. would be resolved away
  const action = `${base}/topics/${s.paused ? "resume" : "pause"}`;
  const control = s.paused
    ? html`
      <span class="badge held">paused</span> <button class="secondary" formaction="${action}" name="topic"
        value="${s.topic}">Resume</button>
    `
    : html`<button class="secondary" formaction="${action}" name="topic" value="${s.topic}">Pause</button>`;
  // data-label: a count's name, shown beside it where the row is a block (a narrow screen)
  const cell = (label: string, body: Html | string) => html`<td class="num" data-label="${label}">${body}</td>`;
  const counts = STATUSES.map((st) =>
    cell(st, s.counts[st] ? html`<a href="${base}/tasks?topic=${t}&status=${st}">${count(s.counts[st])}</a>` : "0")
  );
  const oldest = html`<td class="num" data-label="oldest ready" data-oldest-ready-ms="${s.oldestReadyAgeMs ?? ""}">${
    age(s.oldestReadyAgeMs)
  }</td>`;
  const name = clipped(s.topic, `${base}/topics/${t}`);
  return html`
    <tr
      data-topic="${s.topic}"><td class="topic"><div class="cell">${name} ${control}</div>${limitsMark(
        s,
      )}</td>${counts}${cell(
        "total",
        count(total(s.counts)),
      )}${oldest}${spark ? html`<td class="spark">${spark}</td>` : ""}</tr>
  `;
}

/** The form round the rows: a post of a row's button carries `hidden` (where to come back to). */
function table(hidden: URLSearchParams, rows: Html): Html {
  return html`<form method="post">${
    [...hidden].map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)
  }<div class="card scroll"><table class="topics">${rows}</table></div></form>`;
}

/** Each topic's minutes, so each sparkline reads only its own. */
function byTopic(activity: Activity): Map<string, Activity> {
  const out = new Map<string, Activity>();
  for (const m of activity.minutes) {
    let a = out.get(m.topic);
    if (!a) out.set(m.topic, a = { now: activity.now, minutes: [] });
    a.minutes.push(m);
  }
  return out;
}

/**
 * The overview's refreshed part: the page's rows and the pager. `activity`
 * holds the last hour of the page's topics. Nothing here is summed over
 * every topic: that would count every task at each refresh (the task list
 * counts one status, when asked).
 *
 * The rows of a page are shown in natural order (`topic-2` before
 * `topic-10`). The pages themselves are cut in the store's order (code
 * points, by keyset cursors on the indexes: no collation of its own, so the
 * same on a file and on a libSQL server), which keeps every page's cursors
 * exact; natural order across pages would need a sort key in the database.
 * So natural order holds within a page, and a page holds the same topics
 * as before.
 */
export function topicsFragment(base: string, where: URLSearchParams, page: TopicPage, activity: Activity): Html {
  const prefix = where.get("prefix") ?? "";
  const minutes = byTopic(activity);
  const none = { now: activity.now, minutes: [] };
  const empty = prefix
    ? html`No topic starts with <code>${prefix}</code>.`
    : where.has("cursor")
    ? "No topics on this page."
    : "No tasks yet.";
  const rows = html`
    ${head(true)}${page.data.length
      ? [...page.data].sort((a, b) => naturalCompare(a.topic, b.topic)).map((s) =>
        row(base, s, sparkline(minutes.get(s.topic) ?? none, s.topic))
      )
      : html`
        <tr>
          <td colspan="${STATUSES.length + 4}" class="muted">${empty}</td>
        </tr>
      `}
  `;
  return html`${table(where, rows)}${pager(base, prefix, page)}`;
}

function pager(base: string, prefix: string, page: TopicPage): Html {
  const to = (key?: string, value?: string) => {
    const params = new URLSearchParams();
    if (prefix) params.set("prefix", prefix);
    if (key && value) params.set(key, value);
    const q = params.toString();
    return q ? `${base}?${q}` : base;
  };
  return html`
    <p
      class="pager">${page.prevCursor
        ? html`<a href="${to()}" rel="first">First page</a><a href="${
          to("cursor", page.prevCursor)
        }" rel="prev">← Previous page</a>`
        : ""}${page.cursor
        ? html`<a href="${to("cursor", page.cursor)}" rel="next">Next page →</a><a href="${
          to("last", "1")
        }" rel="last">Last page</a>`
        : html`<span class="muted">End of list.</span>`}<span class="muted">refreshed <span data-testid="refreshed">${time(
          Date.now(),
        )}</span></span></p>
  `;
}

/** A topic's page, refreshed in place: its row, then `between` (its limits), then its charts of the last hour and day. */
export function topicFragment(base: string, s: TopicStats, activity: Activity, between: Html | string = ""): Html {
  return html`
    ${table(new URLSearchParams({ from: "topic" }), html`${head(false)}${row(base, s, null)}`)}${between}
    <div class="card" data-topic="${s.topic}">
      <div class="charts">${hourChart(activity, s.topic)}${dayChart(activity, s.topic)}</div>
    </div>
  `;
}
