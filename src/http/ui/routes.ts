/**
 * The dashboard (`GET /ui` and below): server-rendered with `hono/html`, no
 * bundler, no CDN, no client framework; works with JS off (the one script
 * only refreshes lists in place). Writes from other sites are refused by the
 * routes around it (`crossSiteGuard`); its pages carry a Content-Security-Policy
 * (`pageHeaders`). A refused form is shown again with what was typed and the
 * error beside its field.
 *
 * Each page is a file of `pages/` (see `page.ts`); each button's action an
 * entry of `actions.ts`. This file only puts them at their paths.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { trimTrailingSlash } from "hono/trailing-slash";
import * as v from "valibot";
import { TaskError } from "../../errors.ts";
import type { TaskQ } from "../../types.ts";
import { pageHeaders } from "../middleware/page-headers.ts";
import { actionOf, type Form, SCHEDULE_ACTIONS, TASK_ACTIONS, TOPIC_ACTIONS } from "./actions.ts";
import { errorPage } from "./error-page.ts";
import { formOf } from "./form-body.ts";
import { fieldsOrThrow, required, text } from "./form-fields.ts";
import { page, PAGE_SCRIPTS } from "./layout.ts";
import { at, dashboardBase, isRefresh, type Page } from "./page.ts";
import { findPage } from "./pages/find.ts";
import { groupPage } from "./pages/group.ts";
import { createTaskPage, newTaskPage } from "./pages/new-task.ts";
import { overviewPage } from "./pages/overview.ts";
import { schedulePage } from "./pages/schedule.ts";
import { schedulesPage } from "./pages/schedules.ts";
import { taskListPage } from "./pages/task-list.ts";
import { taskPage } from "./pages/task.ts";
import { setLimitsPage, topicPage } from "./pages/topic.ts";
import { pathParam } from "./path-param.ts";
import { scheduleHref } from "./schedule-table.ts";
import { pageParams } from "./topic-table.ts";

/** The topic of the dashboard's own buttons, sent in the form: `.` and `..` cannot be path segments. */
const TopicForm = v.object({ topic: required(text) });
/** The schedule of the schedules' buttons, sent in the form as a topic is; `page`: the page they come back to. */
const ScheduleForm = v.object({ name: required(text), page: text, from: text });

/** Every page, in the order their routes are tried. */
const PAGES: readonly Page<unknown>[] = [
  overviewPage,
  topicPage,
  findPage,
  taskListPage,
  taskPage,
  groupPage,
  schedulesPage,
  schedulePage,
  newTaskPage,
  createTaskPage,
  setLimitsPage,
];

/** Answers `p` at its path: the whole page, or its live part alone when the refresh script asks. */
function serve<D>(ui: Hono, taskq: TaskQ, p: Page<D>): void {
  ui.on(p.method ?? "GET", p.path, async (c) => {
    const data = await p.load(c, taskq);
    if (data instanceof Response) return data;
    const where = at(c);
    const view = p.render(data, where);
    if (view.live !== undefined && isRefresh(c)) return c.html(view.live, view.liveStatus ?? 200);
    return c.html(page(where.base, view.title, view.body), view.status ?? 200);
  });
}

/** Runs a topic's action and goes back where its button was: the topic's page, or the same page of the overview. */
async function topicAction(c: Context, taskq: TaskQ, topic: string, f: Form): Promise<Response> {
  const action = actionOf(TOPIC_ACTIONS, c.req.param("action") ?? "");
  await action.run(taskq, topic, f);
  const base = dashboardBase(c);
  const back = f.from === "topic" ? `${base}/topics/${encodeURIComponent(topic)}` : base;
  const params = f.from === "topic" ? new URLSearchParams() : pageParams(f);
  params.set("notice", action.done);
  return c.redirect(`${back}?${params}`, 303);
}

/** Runs a schedule's action and goes back where its button was: the schedule's page, or the same page of the list. */
async function scheduleAction(c: Context, taskq: TaskQ, f: Form): Promise<Response> {
  const action = actionOf(SCHEDULE_ACTIONS, c.req.param("action") ?? "");
  const { name, page, from } = fieldsOrThrow(ScheduleForm, f, "the form names no schedule");
  await action.run(taskq, name, f);
  const base = dashboardBase(c);
  const params = new URLSearchParams();
  if (from !== "schedule" && page && /^\d{1,9}$/.test(page)) params.set("page", page);
  params.set("notice", action.done);
  return c.redirect(`${from === "schedule" ? scheduleHref(base, name) : `${base}/schedules`}?${params}`, 303);
}

/** The dashboard as a Hono app, to be mounted at `/ui` of the routes. */
export function uiRoutes(taskq: TaskQ): Hono {
  const ui = new Hono();
  ui.use("*", pageHeaders(PAGE_SCRIPTS));
  // a page asked for with a trailing slash (/ui/, /ui/topics/) redirects to itself without, rather than a 404
  ui.use("*", trimTrailingSlash());

  ui.onError((err, c) => {
    const { base, here } = at(c);
    const { status, body } = errorPage(err, c.req.method, here);
    return c.html(page(base, "Error", html`${body}<p><a href="${base}">Back to the overview</a></p>`), status);
  });

  ui.post("/topics/:topic/:action", async (c) => topicAction(c, taskq, pathParam(c, "topic"), await formOf(c)));
  ui.post(`/topics/:action{${Object.keys(TOPIC_ACTIONS).join("|")}}`, async (c) => {
    const f = await formOf(c);
    return topicAction(c, taskq, fieldsOrThrow(TopicForm, f, "the form names no topic").topic, f);
  });

  ui.post(
    `/schedules/:action{${Object.keys(SCHEDULE_ACTIONS).join("|")}}`,
    async (c) => scheduleAction(c, taskq, await formOf(c)),
  );

  for (const p of PAGES) serve(ui, taskq, p);

  ui.post("/tasks/:taskId/:action", async (c) => {
    const id = pathParam(c, "taskId");
    const f = await formOf(c);
    const action = actionOf(TASK_ACTIONS, c.req.param("action"));
    await action.run(taskq, id, f);
    return c.redirect(`${dashboardBase(c)}/tasks/${encodeURIComponent(id)}?notice=${action.done}`, 303);
  });

  // any other page under /ui that a browser asks for does not exist: an HTML 404, not the API's JSON one; another
  // method goes on to the routes' own answer (405 with Allow where the path has a page, else the JSON 404)
  ui.all("*", (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    throw new TaskError("not-found", "route-not-found", `There is no dashboard page at ${c.req.path}.`);
  });
  return ui;
}
