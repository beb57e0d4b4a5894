/**
 * The overview (`/ui`): a page of topics ({@link TOPICS_PER_PAGE}, found by
 * keyset cursors in the store's name order or by the start of their name),
 * with a search by that start. Its table and pager refresh in place.
 *
 * @module
 */

import type { Context } from "hono";
import { html } from "hono/html";
import { TaskError } from "../../../errors.ts";
import type { Activity, TaskQ, TopicPage } from "../../../types.ts";
import { errorOf, type FormState, invalidAttrs } from "../form-fields.ts";
import type { Html } from "../html.ts";
import { notice } from "../notices.ts";
import { type At, type Page, refreshing } from "../page.ts";
import { pageParams, TOPICS_PER_PAGE, topicsFragment } from "../topic-table.ts";

/** The last hour of the page's topics, for their sparklines. */
const HOUR = 3_600_000;

type Overview =
  & { query: Record<string, string>; where: URLSearchParams }
  & ({ topics: TopicPage; activity: Activity } | { refused: TaskError });

/** The search: topics whose name starts with what is typed. */
function searchForm(base: string, prefix: string, error?: string): Html {
  const state: FormState = { values: { prefix }, errors: error ? { prefix: error } : {} };
  return html`<form class="filters card" method="get" action="${base}" role="search">
<label>topics starting with<input name="prefix" value="${prefix}" ${invalidAttrs(state, "prefix")}>${
    errorOf(state, "prefix")
  }</label>
<button type="submit">Find topics</button>${prefix ? html`<a href="${base}">All topics</a>` : ""}</form>`;
}

/** The overview. A refused search or page link (a bad prefix or cursor) is a 400 that says what to do. */
export const overviewPage: Page<Overview> = {
  path: "/",
  async load(c: Context, taskq: TaskQ) {
    const query = c.req.query();
    const where = pageParams(query);
    try {
      const topics = await taskq.topicPage({
        limit: TOPICS_PER_PAGE,
        prefix: where.get("prefix") ?? undefined,
        cursor: where.get("cursor"),
        last: where.has("last") || undefined,
      });
      const activity = topics.data.length
        ? await taskq.activity({ topics: topics.data.map((s) => s.topic), sinceMs: HOUR })
        : { now: Date.now(), minutes: [] };
      return { query, where, topics, activity };
    } catch (e) {
      if (!(e instanceof TaskError) || e.type !== "bad-request") throw e;
      return { query, where, refused: e };
    }
  },
  render(d: Overview, at: At) {
    let live: Html;
    let error: string | undefined;
    if ("refused" in d) {
      const issue = d.refused.issues?.[0];
      error = issue?.path === "prefix" ? issue.message : undefined;
      live = html`<div class="alert" role="alert">${
        error ? "Fix the search above to list topics." : "That page is no longer valid; start from the first page."
      } <a href="${at.base}">First page</a></div>`;
    } else live = topicsFragment(at.base, d.where, d.topics, d.activity);
    const body = html`
      <h1>Topics</h1>
      ${notice(d.query.notice)} ${searchForm(at.base, d.query.prefix ?? "", error)}
      ${refreshing(at, live)}
      <p class="muted">Counts refresh every 5 s. A topic's own page has its charts of the last hour and day.</p>
    `;
    return { title: "Overview", body, live, status: "refused" in d ? 400 : 200 };
  },
};
