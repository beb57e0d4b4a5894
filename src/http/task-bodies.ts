/**
 * Schemas of the bodies that define one task over HTTP: `POST /tasks` (a
 * task definition, without the `ref` only a batch item gives) and `POST
 * /groups/:taskGroupId/seal` (a follow-up's, without what it cannot carry).
 * Both are the store's `TaskDefSchema` with fields left out, so they refuse
 * exactly what it refuses, and an unknown field by name.
 *
 * @module
 */

import * as v from "valibot";
import { fields, TaskDefSchema } from "../schemas.ts";

const { ref: _ref, ...taskFields } = TaskDefSchema.entries;
/**
 * `POST /tasks`: one task definition, as `createTask` takes it (`ref`, which
 * names an item of a flow, only on `POST /tasks/batch`).
 */
export const TaskBody = fields(taskFields, "a task definition");

const {
  uniqueKey: _key,
  unique: _unique,
  onDuplicate: _onDuplicate,
  dependsOn: _dependsOn,
  runAt: _runAt,
  delayMs: _delayMs,
  ...followUpFields
} = taskFields;
/**
 * `POST /groups/:taskGroupId/seal`: the follow-up's definition, as
 * `sealGroup` takes it. It waits for the group's tasks, so it has no
 * `dependsOn`, `runAt`, `delayMs` or unique key.
 */
export const FollowUpBody = fields({
  ...followUpFields,
  onDependencyFailure: v.optional(
    v.pipe(
      followUpFields.onDependencyFailure.wrapped,
      v.description('what a group task ending failed or cancelled does to it: "run" (default), "fail" or "cancel"'),
    ),
  ),
}, "a follow-up task definition");
