/**
 * A topic's own page (`/ui/topics/:topic`): its row of the overview's table,
 * its limits (running against them, held back), then its charts of the last
 * hour and the last day, refreshed in place; below, the form that sets or
 * removes its limits, and that form's post (`POST /ui/topics/limits`): back
 * to the page, or the page again (a 400) with each refused field's error.
 *
 * @module
 */

import { html } from "hono/html";
import { TaskError } from "../../../errors.ts";
import type { Activity, TaskQ, TopicStats } from "../../../types.ts";
import { LIMITS_SET } from "../actions.ts";
import { formOf } from "../form-body.ts";
import type { FormState } from "../form-fields.ts";
import { notice } from "../notices.ts";
import { dashboardBase, type Page, refreshing } from "../page.ts";
import { limitsCard, limitsErrors, limitsForm, limitsState, readLimitsForm } from "../topic-limits.ts";
import { topicFragment } from "../topic-table.ts";

/** The span of the day chart. */
const DAY = 86_400_000;

interface Topic {
  topic: string;
  stats: TopicStats;
  activity: Activity;
  notice: string | undefined;
  /** The limits form as shown: the stored limits, or what was typed and why it was refused. */
  form: FormState;
}

/** The topic's counts and activity; a 404 for a topic with no tasks, no activity, no pause and no limits. */
async function loadTopic(taskq: TaskQ, topic: string): Promise<{ stats: TopicStats; activity: Activity }> {
  // the first topic that starts with its name is the topic itself, if it has tasks, activity, a pause or limits
  const [found, activity] = await Promise.all([
    taskq.topicPage({ prefix: topic, limit: 1 }),
    taskq.activity({ topic, sinceMs: DAY }),
  ]);
  const stats = found.data[0]?.topic === topic ? found.data[0] : null;
  if (!stats) {
    throw new TaskError(
      "not-found",
      "route-not-found",
      `no topic ${topic}: it has no tasks, no activity, no pause and no limits`,
    );
  }
  return { stats, activity };
}

/** A topic's page; a 404 for a topic with no tasks, no activity, no pause and no limits. */
export const topicPage: Page<Topic, "/topics/:topic"> = {
  path: "/topics/:topic",
  async load(c, taskq) {
    const topic = c.req.param("topic");
    const { stats, activity } = await loadTopic(taskq, topic);
    return { topic, stats, activity, notice: c.req.query("notice"), form: limitsState(stats.limits) };
  },
  render({ topic, stats, activity, notice: noticeKey, form }, at) {
    const live = topicFragment(at.base, stats, activity, limitsCard(stats));
    const list = `${at.base}/tasks?topic=${encodeURIComponent(topic)}`;
    const overview = `${at.base}?prefix=${encodeURIComponent(topic)}`;
    const body = html`
      ${notice(noticeKey)}
      <h1>Topic <code>${topic}</code></h1>
      ${refreshing(at, live)}
      <p><a href="${list}">Its tasks</a> · <a href="${overview}">On the overview</a></p>
      <p class="muted">Counts, limits and charts refresh every 5 s.</p>
      ${limitsForm(at.base, topic, form, stats.limits !== null)}
    `;
    return { title: topic, body, live };
  },
};

/** The limits form's post: the topic's page again, saying so, or (a 400) with each refused field's error. */
export const setLimitsPage: Page<Topic> = {
  method: "POST",
  path: "/topics/limits",
  async load(c, taskq) {
    const { state, topic, limits } = readLimitsForm(await formOf(c));
    if (topic === undefined) {
      throw new TaskError("bad-request", "invalid-request", "the form names no topic", {
        issues: [{ path: "topic", message: state.errors.topic ?? "is required" }],
      });
    }
    if (limits) {
      try {
        await taskq.setTopicLimits(topic, limits);
        return c.redirect(
          `${dashboardBase(c)}/topics/${encodeURIComponent(topic)}?notice=${LIMITS_SET.done}`,
          303,
        );
      } catch (e) {
        if (!(e instanceof TaskError) || e.type !== "bad-request") throw e;
        limitsErrors(state, e);
      }
    }
    return { topic, ...(await loadTopic(taskq, topic)), notice: undefined, form: state };
  },
  render(d, at) {
    // its refresh reads the topic's own page (this path answers POST only)
    const view = topicPage.render(d, { base: at.base, here: `${at.base}/topics/${encodeURIComponent(d.topic)}` });
    return { ...view, status: 400 };
  },
};
