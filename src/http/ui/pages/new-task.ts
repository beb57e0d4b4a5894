/**
 * The new-task form (`GET /ui/new`) and its post (`POST /ui/tasks`): a
 * created task's page, or the form again with what was typed and each
 * refused field's error beside it (the form's own checks first, then the
 * store's).
 *
 * @module
 */

import { html } from "hono/html";
import * as v from "valibot";
import { TaskError } from "../../../errors.ts";
import { formOf } from "../form-body.ts";
import { errorOf, fieldErrors, type FormState, invalidAttrs, readForm, text, wholeNumber } from "../form-fields.ts";
import type { Html } from "../html.ts";
import { dashboardBase, type Page } from "../page.ts";

/** JSON typed in the form; `null` when left empty. */
const json = v.pipe(
  text,
  v.rawTransform(({ dataset, addIssue, NEVER }): unknown => {
    if (dataset.value === undefined) return null;
    try {
      return JSON.parse(dataset.value);
    } catch (e) {
      addIssue({ message: `is not valid JSON (${(e as Error).message})` });
      return NEVER;
    }
  }),
);

/** The form's fields: whole numbers as typed, then the store's own validation says what each may be. */
const NewTask = v.object({
  topic: text,
  subTopic: text,
  timeoutMs: wholeNumber,
  priority: wholeNumber,
  maxAttempts: wholeNumber,
  delayMs: wholeNumber,
  taskDescription: text,
  data: json,
});

/** The form, filled in from `state`. */
function newTaskForm(base: string, state: FormState): Html {
  const v = state.values;
  return html`
    <h1>New task</h1>
    ${state.general ? html`<div class="alert" role="alert">${state.general}</div>` : ""}
    <form class="card" method="post" action="${base}/tasks">
    <div class="row"><label>topic<input name="topic" required value="${v.topic ?? ""}" ${invalidAttrs(
      state,
      "topic",
    )}>${errorOf(
      state,
      "topic",
    )}</label><label>sub-topic<input name="subTopic" placeholder="default" value="${v.subTopic ?? ""}" ${invalidAttrs(
      state,
      "subTopic",
    )}>${errorOf(state, "subTopic")}</label>
    <label>timeout (ms)<input name="timeoutMs" inputmode="numeric" value="${v.timeoutMs ?? ""}" ${invalidAttrs(
      state,
      "timeoutMs",
    )}>${errorOf(state, "timeoutMs")}</label></div>
    <div class="row"><label>priority (lower runs first)<input name="priority" inputmode="numeric" placeholder="0" value="${v
      .priority ?? ""}" ${invalidAttrs(state, "priority")}>${errorOf(state, "priority")}</label>
    <label>max attempts<input name="maxAttempts" inputmode="numeric" placeholder="worker default" value="${v
      .maxAttempts ?? ""}" ${invalidAttrs(state, "maxAttempts")}>${errorOf(state, "maxAttempts")}</label>
    <label>delay (ms)<input name="delayMs" inputmode="numeric" placeholder="0" value="${v.delayMs ??
      ""}" ${invalidAttrs(
        state,
        "delayMs",
      )}>${errorOf(state, "delayMs")}</label></div>
    <p><label>description<input name="taskDescription" size="60" value="${v.taskDescription ?? ""}" ${invalidAttrs(
      state,
      "taskDescription",
    )}>${errorOf(state, "taskDescription")}</label></p>
    <p><label>data (JSON)<textarea name="data" rows="6" cols="70" ${invalidAttrs(state, "data")}>${v.data ??
      "{}"}</textarea>${errorOf(state, "data")}</label></p>
    <button type="submit">Create task</button></form>
  `;
}

/** The empty form. */
export const newTaskPage: Page<FormState> = {
  path: "/new",
  load: () => Promise.resolve({ values: {}, errors: {} }),
  render: (state, at) => ({ title: "New task", body: newTaskForm(at.base, state) }),
};

/** The form's post: the created task's page, or the form again (a 400) with why it was refused. */
export const createTaskPage: Page<FormState> = {
  method: "POST",
  path: "/tasks",
  async load(c, taskq) {
    const { state, fields } = readForm(NewTask, await formOf(c));
    if (!fields) return state;
    try {
      const t = await taskq.createTask({ ...fields, topic: fields.topic! });
      return c.redirect(`${dashboardBase(c)}/tasks/${encodeURIComponent(t.taskId)}?notice=created`, 303);
    } catch (e) {
      if (!(e instanceof TaskError) || e.status >= 500) throw e;
      fieldErrors(state, e);
      return state;
    }
  },
  render: (state, at) => ({ title: "New task", body: newTaskForm(at.base, state), status: 400 }),
};
