/**
 * The route table: every route of `sokkaRoutes` but the dashboard (`/ui`),
 * in the order the OpenAPI document and the reference page list them.
 *
 * @module
 */

import { CONSUMERS } from "./consumers.ts";
import { FLOWS } from "./flows.ts";
import { MONITORING } from "./monitoring.ts";
import type { Operation } from "./operation.ts";
import { ACTIONS, PRUNE } from "./operator.ts";
import { REFERENCE } from "./reference.ts";
import { SCHEDULES } from "./schedules.ts";
import { TASKS } from "./tasks.ts";
import { TOPIC_LIMITS } from "./topic-limits.ts";
import { TOPICS } from "./topics.ts";

/** Every operation: method, path, what it takes, what it answers, what it does. */
export const OPERATIONS: readonly Operation[] = [
  ...TASKS,
  ...FLOWS,
  ...ACTIONS,
  ...TOPICS,
  ...TOPIC_LIMITS,
  ...SCHEDULES,
  PRUNE,
  ...MONITORING,
  ...REFERENCE,
  ...CONSUMERS,
];
