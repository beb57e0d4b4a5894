/**
 * Topics: a page of their counts (`GET /topics`), and pausing and resuming
 * one, named in the path or, for any name (`.` and `..` included), in the body.
 *
 * @module
 */

import { ref } from "../answers.ts";
import { EmptyBody, TopicBody, TopicsQuery } from "../schemas.ts";
import { type Operation, operation } from "./operation.ts";

const SUMMARY = {
  pause: "Stop all reservation on a topic",
  resume: "Let a paused topic's tasks be reserved again",
};

/** The routes of topics, in the document's order. */
export const TOPICS: Operation[] = [
  operation({
    method: "get",
    path: "/topics",
    id: "topicPage",
    summary: "A page of topics in name order: counts per status, pause, totals, the oldest ready task's age",
    tag: "topics",
    query: { schema: TopicsQuery, example: { limit: "100", prefix: "email" } },
    ok: { status: 200, schema: ref("TopicPage"), description: "a page of topics and the cursors around it" },
    errors: [400],
    handle: async (c, { query }, { taskq }) => c.json(await taskq.topicPage(query)),
  }),
  ...(["pause", "resume"] as const).map((name) =>
    operation({
      method: "post",
      path: `/topics/:topic/${name}`,
      id: `${name}Topic`,
      summary: SUMMARY[name],
      tag: "topics",
      body: { schema: EmptyBody, optional: true, example: {} },
      ok: { status: 204, description: "done" },
      errors: [400, 415],
      handle: async (c, _, { taskq }) => {
        const topic = c.req.param("topic");
        await (name === "pause" ? taskq.pauseTopic(topic) : taskq.resumeTopic(topic));
        return c.body(null, 204);
      },
    })
  ),
  ...(["pause", "resume"] as const).map((name) =>
    operation({
      method: "post",
      path: `/topics/${name}`,
      id: `${name}TopicNamed`,
      summary: `${name === "pause" ? "Pause" : "Resume"} the topic named in the body: any name, ` +
        "`.` and `..` included, which a URL path cannot carry (clients resolve them, `%2E` too, as dot segments)",
      tag: "topics",
      body: { schema: TopicBody, example: { topic: "email" } },
      ok: { status: 204, description: "done" },
      errors: [400, 415],
      handle: async (c, { body: { topic } }, { taskq }) => {
        await (name === "pause" ? taskq.pauseTopic(topic) : taskq.resumeTopic(topic));
        return c.body(null, 204);
      },
    })
  ),
];
