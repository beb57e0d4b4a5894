/**
 * Monitoring: the activity per topic and minute (`GET /activity`) and the
 * Prometheus metrics (`GET /metrics`).
 *
 * @module
 */

import { METRICS_CONTENT_TYPE, readMetrics, renderMetrics } from "../metrics.ts";
import { ref } from "../answers.ts";
import { ActivityQuery, MetricsQuery } from "../schemas.ts";
import { type Operation, operation } from "./operation.ts";

/** The monitoring routes, in the document's order. */
export const MONITORING: Operation[] = [
  operation({
    method: "get",
    path: "/activity",
    id: "activity",
    summary: "Completed, failed, retried, snoozed and cancelled tasks per topic and minute",
    tag: "monitoring",
    query: { schema: ActivityQuery, example: { sinceMs: "3600000" } },
    ok: { status: 200, schema: ref("Activity"), description: "the minutes and the database clock" },
    errors: [400],
    handle: async (c, { query }, { taskq }) => c.json(await taskq.activity(query)),
  }),
  operation({
    method: "get",
    path: "/metrics",
    id: "metrics",
    summary: "Prometheus metrics (text format 0.0.4); past the cap of listed topics, the rest summed as overflow",
    tag: "monitoring",
    query: { schema: MetricsQuery, example: { prefix: "email" } },
    ok: { status: 200, text: "text/plain", description: "the exposition" },
    errors: [400],
    handle: async (c, { query }, { taskq, metricsTopics }) => {
      const text = renderMetrics(await readMetrics(taskq, metricsTopics, query.prefix));
      return c.body(text, 200, { "content-type": METRICS_CONTENT_TYPE });
    },
  }),
];
