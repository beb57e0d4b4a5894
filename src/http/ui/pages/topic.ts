/**
 * A topic's own page (`/ui/topics/:topic`): its row of the overview's table,
 * then its charts of the last hour and the last day, refreshed in place.
 *
 * @module
 */

import { html } from "hono/html";
import { TaskError } from "../../../errors.ts";
import type { Activity, TopicStats } from "../../../types.ts";
import { notice } from "../notices.ts";
import { type Page, refreshing } from "../page.ts";
import { topicFragment } from "../topic-table.ts";

/** The span of the day chart. */
const DAY = 86_400_000;

interface Topic {
  topic: string;
  stats: TopicStats;
  activity: Activity;
  notice: string | undefined;
}

/** A topic's page; a 404 for a topic with no tasks, no activity and no pause. */
export const topicPage: Page<Topic, "/topics/:topic"> = {
  path: "/topics/:topic",
  async load(c, taskq) {
    const topic = c.req.param("topic");
    // the first topic that starts with its name is the topic itself, if it has tasks, activity or a pause
    const [found, activity] = await Promise.all([
      taskq.topicPage({ prefix: topic, limit: 1 }),
      taskq.activity({ topic, sinceMs: DAY }),
    ]);
    const stats = found.data[0]?.topic === topic ? found.data[0] : null;
    if (!stats) {
      throw new TaskError(
        "not-found",
        "route-not-found",
        `no topic ${topic}: it has no tasks, no activity and no pause`,
      );
    }
    return { topic, stats, activity, notice: c.req.query("notice") };
  },
  render({ topic, stats, activity, notice: noticeKey }, at) {
    const live = topicFragment(at.base, stats, activity);
    const list = `${at.base}/tasks?topic=${encodeURIComponent(topic)}`;
    const overview = `${at.base}?prefix=${encodeURIComponent(topic)}`;
    const body = html`
      ${notice(noticeKey)}
      <h1>Topic <code>${topic}</code></h1>
      ${refreshing(at, live)}
      <p><a href="${list}">Its tasks</a> · <a href="${overview}">On the overview</a></p>
      <p class="muted">Counts and charts refresh every 5 s.</p>
    `;
    return { title: topic, body, live };
  },
};
