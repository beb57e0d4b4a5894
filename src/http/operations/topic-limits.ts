/**
 * A topic's limits (`setTopicLimits`): read them, set them (replacing any
 * it had) and remove them, each answered as `{ topic, limits }`.
 *
 * @module
 */

import { ref } from "../answers.ts";
import { TopicLimitsBody } from "../schemas.ts";
import { type Operation, operation } from "./operation.ts";

const ANSWER = ref("TopicLimits");

/** The routes of a topic's limits, in the document's order. */
export const TOPIC_LIMITS: Operation[] = [
  operation({
    method: "get",
    path: "/topics/:topic/limits",
    id: "getTopicLimits",
    summary: "A topic's limits (concurrency, rate, partitioned); limits is null when it has none",
    tag: "topics",
    ok: { status: 200, schema: ANSWER, description: "the topic and its limits as stored" },
    errors: [400],
    handle: async (c, _, { taskq }) => {
      const topic = c.req.param("topic");
      return c.json({ topic, limits: await taskq.topicLimits(topic) });
    },
  }),
  operation({
    method: "put",
    path: "/topics/:topic/limits",
    id: "putTopicLimits",
    summary: "Set a topic's limits across every process, replacing any it had: concurrency caps its running " +
      "tasks, rate its reservations per period (the excess waits), partitioned makes both hold per partitionKey",
    tag: "topics",
    body: {
      schema: TopicLimitsBody,
      code: "invalid-options",
      example: { concurrency: 5, rate: { limit: 50, periodMs: 1000, burst: 10 } },
    },
    ok: { status: 200, schema: ANSWER, description: "the topic and its limits as stored (rate.burst filled in)" },
    errors: [400, 415],
    errorText: { 400: "bad input (`issues` names each refused field): nothing changed" },
    handle: async (c, { body }, { taskq }) => {
      const topic = c.req.param("topic");
      return c.json({ topic, limits: await taskq.setTopicLimits(topic, body) });
    },
  }),
  operation({
    method: "delete",
    path: "/topics/:topic/limits",
    id: "deleteTopicLimits",
    summary: "Remove a topic's limits: its tasks are reserved as fast as workers ask again (idempotent)",
    tag: "topics",
    ok: { status: 200, schema: ANSWER, description: "the topic, its limits null" },
    errors: [400],
    handle: async (c, _, { taskq }) => {
      const topic = c.req.param("topic");
      return c.json({ topic, limits: await taskq.setTopicLimits(topic, null) });
    },
  }),
];
