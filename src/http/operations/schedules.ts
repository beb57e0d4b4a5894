/**
 * Schedules over HTTP: list, read, create or replace (`PUT`), delete, pause
 * and resume one, and fire the due slots (`POST /schedules/fire`, for an
 * external cron or an edge trigger that runs no worker). Writes are guarded
 * as every other write (the cross-site guard, and whatever auth the app puts
 * in front of the routes).
 *
 * @module
 */

import type { Context } from "hono";
import * as v from "valibot";
import { invalid } from "../../schemas.ts";
import { ScheduleName } from "../../schemas/schedule-def.ts";
import type { Schedule } from "../../types.ts";
import { ref } from "../answers.ts";
import { errorResponse } from "../errors.ts";
import { EmptyBody, FireBody, ScheduleBody, SchedulesQuery } from "../schemas.ts";
import { type Operation, operation } from "./operation.ts";

/** The schedule named in the path, or 400 `invalid-schedule` naming `name`. */
function nameOf(c: Context): string {
  const name = c.req.param("name") ?? "";
  const checked = v.safeParse(ScheduleName, name);
  if (!checked.success) {
    throw invalid("path", [{ path: "name", message: checked.issues[0].message }], "invalid-schedule");
  }
  return checked.output;
}

/** 404 `schedule-not-found`, naming the schedule. */
const notFound = (c: Context, name: string) =>
  errorResponse(c, 404, {
    type: "not-found",
    code: "schedule-not-found",
    message: `no schedule named ${JSON.stringify(name)}`,
  });

const NOT_FOUND = "no such schedule (schedule-not-found)";

const EXAMPLE = {
  cron: "30 1 * * *",
  timezone: "Europe/London",
  topic: "reports",
  data: { kind: "daily" },
  backfillMs: 21_600_000,
};

/** The routes of schedules, in the document's order. */
export const SCHEDULES: Operation[] = [
  operation({
    method: "get",
    path: "/schedules",
    id: "listSchedules",
    summary: "Every schedule (or those of one topic), by name, with where its firing stands",
    tag: "schedules",
    query: { schema: SchedulesQuery, example: { topic: "reports" } },
    ok: { status: 200, schema: ref("ScheduleList"), description: "the schedules, by name" },
    errors: [400],
    handle: async (c, { query }, { taskq }) => c.json({ data: await taskq.listSchedules(query) }),
  }),
  operation({
    method: "get",
    path: "/schedules/:name",
    id: "getSchedule",
    summary: "Read one schedule: its definition, next and last slot, last task, skipped slots",
    tag: "schedules",
    ok: { status: 200, schema: ref("Schedule"), description: "the schedule" },
    errors: [400, 404],
    errorText: { 404: NOT_FOUND },
    handle: async (c, _, { taskq }) => {
      const name = nameOf(c);
      const s = await taskq.getSchedule(name);
      return s ? c.json(s) : notFound(c, name);
    },
  }),
  operation({
    method: "put",
    path: "/schedules/:name",
    id: "putSchedule",
    summary: "Create or replace a schedule (its name from the path); a replaced one never fires a slot twice",
    tag: "schedules",
    body: { schema: ScheduleBody, code: "invalid-schedule", example: EXAMPLE },
    ok: {
      status: 200,
      schema: ref("Schedule"),
      also201: "created: the new schedule as stored",
      description: "replaced: the schedule as stored (firing goes on from its first slot after now)",
    },
    errors: [400, 409, 413, 415],
    errorText: {
      400: "bad input (invalid-schedule): `issues` names each refused field — a cron croner cannot read, " +
        "an unknown time zone, a body `name` other than the path's; nothing was written",
      409: "the schedule kept changing under other edits and firings (task-concurrently-updated); " +
        "nothing was written; try again",
    },
    handle: async (c, { body: { name: given, ...def } }, { taskq }) => {
      const name = nameOf(c);
      if (given !== undefined && given !== name) {
        throw invalid("body", [{
          path: "name",
          message: `must be the path's name ${JSON.stringify(name)} or left out, not ${JSON.stringify(given)}`,
        }], "invalid-schedule");
      }
      const s: Schedule = await taskq.schedule({ ...def, name });
      // a schedule's version is 1 only as first written: created by this very request
      return c.json(s, s.version === 1 ? 201 : 200);
    },
  }),
  operation({
    method: "delete",
    path: "/schedules/:name",
    id: "deleteSchedule",
    summary: "Delete a schedule; the tasks it made stay (cancel waiting ones: GET /tasks?schedule=…)",
    tag: "schedules",
    ok: { status: 204, description: "deleted" },
    errors: [400, 404],
    errorText: { 404: NOT_FOUND },
    handle: async (c, _, { taskq }) => {
      const name = nameOf(c);
      return (await taskq.unschedule(name)) ? c.body(null, 204) : notFound(c, name);
    },
  }),
  ...(["pause", "resume"] as const).map((action) =>
    operation({
      method: "post",
      path: `/schedules/:name/${action}`,
      id: `${action}Schedule`,
      summary: action === "pause"
        ? "Stop a schedule firing; its slots while paused are skipped"
        : "Let a paused schedule fire again, from its first slot after now",
      tag: "schedules",
      body: { schema: EmptyBody, optional: true, example: {} },
      ok: { status: 200, schema: ref("Schedule"), description: "the schedule as written" },
      errors: [400, 404, 415],
      errorText: { 404: NOT_FOUND },
      handle: async (c, _, { taskq }) => {
        const name = nameOf(c);
        return c.json(await (action === "pause" ? taskq.pauseSchedule(name) : taskq.resumeSchedule(name)));
      },
    })
  ),
  operation({
    method: "post",
    path: "/schedules/fire",
    id: "fireSchedules",
    summary: "Fire the due slots of every schedule (or those of some topics), each slot making one task " +
      "however many callers fire at once: for an external cron or an edge trigger that runs no worker",
    tag: "schedules",
    body: { schema: FireBody, optional: true, example: { topics: ["reports"] } },
    ok: {
      status: 200,
      schema: ref("FireResult"),
      description: "the tasks made, the soonest next slot and the database clock",
    },
    errors: [400, 415],
    handle: async (c, { body }, { taskq }) => c.json(await taskq.fireSchedules(body)),
  }),
];
