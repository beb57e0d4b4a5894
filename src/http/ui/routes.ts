/**
 * The dashboard (`GET /ui` and below): server-rendered with `hono/html`, no
 * bundler, no CDN, no client framework; works with JS off (the one script
 * only refreshes lists in place). Writes from other sites are refused by the
 * routes around it (`crossSiteGuard`); its pages carry a Content-Security-Policy
 * (`pageHeaders`). A refused form is shown again with what was typed and the
 * error beside its field.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { type Issue, TaskError } from "../../errors.ts";
import { STATUSES } from "../../schemas.ts";
import type { ListFilters, Page, Task, TaskQ, TaskStatus } from "../../types.ts";
import { pageHeaders } from "../page-headers.ts";
import { count } from "./format.ts";
import { badge, type Html, notice, page, PAGE_SCRIPTS, time } from "./layout.ts";
import { errorPage } from "./error-page.ts";
import { formOf } from "./form-body.ts";
import { pathParam } from "./path-param.ts";
import { pageParams, searchForm, topicFragment, TOPICS_PER_PAGE, topicsFragment } from "./overview.ts";
import { taskTable } from "./task-table.ts";

/** Who the dashboard's own writes are done as (transitions out of starting/snoozed do not check it). */
const DASHBOARD_PID = "sokka-dashboard";
/** Tasks per page of the list. */
const PAGE_SIZE = 50;

/** The fields of a form, what was typed, and the error beside each. */
interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
  /** An error that belongs to no one field. */
  general?: string;
}

/**
 * Where the dashboard is mounted, e.g. `/sokka/ui`: the request path's first
 * segments, as many as the matched route has before its own `ui` segment
 * (the last one: the dashboard's routes hold no literal `ui`). Not the first
 * `/ui` of the path: mounted at `/ui` or `/ops/ui/queue`, every link and
 * redirect pointed outside the dashboard.
 */
export function dashboardBase(c: Context): string {
  const route = c.req.routePath.split("/");
  const mount = route.lastIndexOf("ui");
  if (mount === -1) return c.req.path.replace(/\/ui(\/.*)?$/s, "/ui"); // (not under ui: never, by construction)
  return c.req.path.split("/").slice(0, mount).join("/") + "/ui";
}

/** The dashboard as a Hono app, to be mounted at `/ui` of the routes. */
export function uiRoutes(taskq: TaskQ): Hono {
  const ui = new Hono();
  ui.use("*", pageHeaders(PAGE_SCRIPTS));
  const base = dashboardBase;
  const isFragment = (c: Context) => c.req.header("x-sokka-fragment") === "1";
  /** This page's own path and query, for its in-place refresh. */
  const here = (c: Context) => {
    const u = new URL(c.req.url);
    u.searchParams.delete("notice");
    return u.pathname + u.search;
  };

  ui.onError((err, c) => {
    const { status, body } = errorPage(err, c.req.method, here(c));
    return c.html(page(base(c), "Error", html`${body}<p><a href="${base(c)}">Back to the overview</a></p>`), status);
  });

  // The topic in the path, or (the dashboard's own buttons) in the form: `.` and `..` cannot be path segments.
  const pauseOrResume = async (c: Context, topic: string, f: Record<string, unknown>) => {
    const action = c.req.param("action");
    if (action === "pause") await taskq.pauseTopic(topic);
    else if (action === "resume") await taskq.resumeTopic(topic);
    else throw new TaskError("not-found", "route-not-found", `no dashboard action ${action}`);
    // back where the button was: the topic's page, or the same page of the overview
    const back = f.from === "topic" ? `${base(c)}/topics/${encodeURIComponent(topic)}` : base(c);
    const params = f.from === "topic" ? new URLSearchParams() : pageParams(f);
    params.set("notice", action === "pause" ? "paused" : "resumed");
    return c.redirect(`${back}?${params}`, 303);
  };
  ui.post("/topics/:topic/:action", async (c) => pauseOrResume(c, pathParam(c, "topic"), await formOf(c)));
  ui.post("/topics/:action{pause|resume}", async (c) => {
    const f = await formOf(c);
    if (typeof f.topic !== "string" || !f.topic) {
      throw new TaskError("bad-request", "invalid-request", "the form names no topic", {
        issues: [{ path: "topic", message: "is required" }],
      });
    }
    return pauseOrResume(c, f.topic, f);
  });

  ui.get("/", async (c) => {
    const q = c.req.query();
    const where = pageParams(q);
    let body: Html;
    let refused = false;
    let error: string | undefined;
    try {
      const topics = await taskq.topicPage({
        limit: TOPICS_PER_PAGE,
        prefix: where.get("prefix") ?? undefined,
        cursor: where.get("cursor"),
        last: where.has("last") || undefined,
      });
      const activity = topics.data.length
        ? await taskq.activity({ topics: topics.data.map((s) => s.topic), sinceMs: 3_600_000 })
        : { now: Date.now(), minutes: [] };
      body = topicsFragment(base(c), where, topics, activity);
    } catch (e) {
      if (!(e instanceof TaskError) || e.type !== "bad-request") throw e;
      refused = true;
      const issue = e.issues?.[0];
      error = issue?.path === "prefix" ? issue.message : undefined;
      body = html`<div class="alert" role="alert">${
        error ? "Fix the search above to list topics." : "That page is no longer valid; start from the first page."
      } <a href="${base(c)}">First page</a></div>`;
    }
    if (isFragment(c)) return c.html(body);
    return c.html(
      page(
        base(c),
        "Overview",
        html`
          <h1>Topics</h1>
          ${notice(q.notice)} ${searchForm(base(c), q.prefix ?? "", error)}
          <div data-refresh="${here(c)}">${body}</div>
          <p class="muted">Counts refresh every 5 s. A topic's own page has its charts of the last hour and day.</p>
        `,
      ),
      refused ? 400 : 200,
    );
  });

  ui.get("/topics/:topic", async (c) => {
    const topic = c.req.param("topic");
    // the first topic that starts with its name is the topic itself, if it has tasks, activity or a pause
    const [found, activity] = await Promise.all([
      taskq.topicPage({ prefix: topic, limit: 1 }),
      taskq.activity({ topic, sinceMs: 86_400_000 }),
    ]);
    const s = found.data[0]?.topic === topic ? found.data[0] : null;
    if (!s) {
      throw new TaskError(
        "not-found",
        "route-not-found",
        `no topic ${topic}: it has no tasks, no activity and no pause`,
      );
    }
    const body = topicFragment(base(c), s, activity);
    if (isFragment(c)) return c.html(body);
    return c.html(page(
      base(c),
      topic,
      html`
        ${notice(c.req.query("notice"))}
        <h1>Topic <code>${topic}</code></h1>
        <div data-refresh="${here(c)}">${body}</div>
        <p><a href="${base(c)}/tasks?topic=${encodeURIComponent(topic)}">Its tasks</a> · <a href="${base(
          c,
        )}?prefix=${encodeURIComponent(topic)}">On the overview</a></p>
        <p class="muted">Counts and charts refresh every 5 s.</p>
      `,
    ));
  });

  // The header's search: straight to the task, or a page that says there is none.
  ui.get("/find", async (c) => {
    const id = (c.req.query("taskId") ?? "").trim();
    if (id && await taskq.task(id)) return c.redirect(`${base(c)}/tasks/${encodeURIComponent(id)}`, 303);
    return c.html(
      page(
        base(c),
        "Not found",
        html`
          <h1>Not found</h1>
          <div class="alert">${id ? html`No task with id <code>${id}</code>.` : "Enter a task id."}</div>
          <p><a href="${base(c)}">Back to the overview</a></p>
        `,
      ),
      404,
    );
  });

  ui.get("/tasks", async (c) => {
    const q = c.req.query();
    const state: FormState = { values: q, errors: {} };
    const filters: ListFilters = {};
    if (q.topic) filters.topic = q.topic;
    if (q.subTopic) filters.subTopic = q.subTopic;
    if (q.status) {
      if ((STATUSES as string[]).includes(q.status)) filters.status = q.status as TaskStatus;
      else state.errors.status = `must be one of ${STATUSES.join(", ")}`;
    }
    for (const field of ["from", "to"] as const) {
      if (!q[field]) continue;
      const ms = toMs(q[field]);
      if (ms === null) state.errors[field] = "must be a date and time (UTC), e.g. 2026-01-31T08:00";
      else filters[field] = ms;
    }
    const order = q.order === "asc" ? "asc" : "desc";
    let list: Html | string = html`<p class="muted">Fix the filter above to list tasks.</p>`;
    let badCursor = false;
    if (!Object.keys(state.errors).length) {
      try {
        const [pageData, total] = await Promise.all([
          taskq.listTasks(filters, { limit: PAGE_SIZE, order, cursor: q.cursor || null }),
          taskq.countTasks(filters),
        ]);
        list = taskList(base(c), q, pageData, total);
      } catch (e) {
        if (!(e instanceof TaskError) || e.type !== "bad-request") throw e;
        // the cursor is no field of the form: say what is wrong with the link, and where to start over
        badCursor = e.code === "invalid-cursor";
        if (badCursor) list = cursorRefused(base(c), q, e);
        else fieldErrors(state, e);
      }
    }
    if (isFragment(c)) return c.html(list, badCursor ? 400 : 200);
    const failedFilter = badCursor || Object.keys(state.errors).length > 0;
    return c.html(
      page(
        base(c),
        "Tasks",
        html`<h1>Tasks</h1>
${notice(q.notice)}
${filterForm(base(c), state)}
${failedFilter ? list : html`<div data-refresh="${here(c)}">${list}</div>`}`,
      ),
      failedFilter ? 400 : 200,
    );
  });

  ui.get("/tasks/:taskId", async (c) => {
    const t = await taskq.task(c.req.param("taskId"));
    if (!t) throw new TaskError("not-found", "task-not-found", `no task ${c.req.param("taskId")}`);
    return c.html(page(base(c), t.taskId, detail(base(c), t, c.req.query("notice"))));
  });

  ui.get("/groups/:groupId", async (c) => {
    // a page of the group at a time (a fan-out group can hold many thousands), in the order of the task list
    const id = c.req.param("groupId");
    const [group, total] = await Promise.all([
      taskq.listTasks({ taskGroupId: id }, { limit: PAGE_SIZE, cursor: c.req.query("cursor") || null }),
      taskq.countTasks({ taskGroupId: id }),
    ]);
    const link = (cursor: string) => `${base(c)}/groups/${encodeURIComponent(id)}?cursor=${encodeURIComponent(cursor)}`;
    return c.html(page(
      base(c),
      "Group",
      html`
        <h1>Group ${id}</h1><p class="muted" data-testid="total">${total} ${total === 1
          ? "task"
          : "tasks"}</p>${taskTable(base(c), group.data)}<p
          class="pager">${group.prevCursor
            ? html`<a href="${link(group.prevCursor)}" rel="prev">← Previous page</a>`
            : ""}${group.cursor ? html`<a href="${link(group.cursor)}" rel="next">Next page →</a>` : ""}</p>
      `,
    ));
  });

  ui.get("/new", (c) => c.html(page(base(c), "New task", newTaskForm(base(c), { values: {}, errors: {} }))));

  ui.post("/tasks", async (c) => {
    const f = await formOf(c);
    const values: Record<string, string> = {};
    for (
      const k of ["topic", "subTopic", "timeoutMs", "priority", "maxAttempts", "delayMs", "taskDescription", "data"]
    ) {
      if (typeof f[k] === "string") values[k] = f[k] as string;
    }
    const state: FormState = { values, errors: {} };
    const str = (k: string) => (values[k] ? values[k] : undefined);
    let data: unknown = null;
    if (str("data")) {
      try {
        data = JSON.parse(str("data")!);
      } catch (e) {
        state.errors.data = `is not valid JSON (${(e as Error).message})`;
      }
    }
    // whole numbers typed in the form; the store's own validation then says what each may be
    // ("-5" is a whole number: the store then says it must not be negative)
    const int = (k: string): number | undefined => {
      const text = str(k)?.trim();
      if (text === undefined || text === "") return undefined;
      if (!/^-?\d+$/.test(text)) state.errors[k] = "must be a whole number";
      return Number(text);
    };
    const timeoutMs = int("timeoutMs");
    const priority = int("priority");
    const maxAttempts = int("maxAttempts");
    const delayMs = int("delayMs");
    if (!Object.keys(state.errors).length) {
      try {
        const t = await taskq.createTask({
          topic: str("topic")!,
          subTopic: str("subTopic"),
          taskDescription: str("taskDescription"),
          timeoutMs,
          priority,
          maxAttempts,
          delayMs,
          data,
        });
        return c.redirect(`${base(c)}/tasks/${encodeURIComponent(t.taskId)}?notice=created`, 303);
      } catch (e) {
        if (!(e instanceof TaskError) || e.status >= 500) throw e;
        fieldErrors(state, e);
      }
    }
    return c.html(page(base(c), "New task", newTaskForm(base(c), state)), 400);
  });

  ui.post("/tasks/:taskId/:action", async (c) => {
    const id = pathParam(c, "taskId");
    const f = await formOf(c);
    const action = c.req.param("action");
    switch (action) {
      case "revoke":
        await taskq.revokeLease(id, Number(f.recordVer));
        break;
      case "terminate":
        await taskq.terminate(id, DASHBOARD_PID);
        break;
      case "fail": {
        const reason = typeof f.reason === "string" ? f.reason.trim() : "";
        if (!reason) {
          throw new TaskError("bad-request", "invalid-request", "a reason is required to mark a task failed", {
            issues: [{ path: "reason", message: "is required" }],
          });
        }
        await taskq.fail(id, DASHBOARD_PID, `marked failed from the dashboard: ${reason}`);
        break;
      }
      case "cancel": {
        const reason = typeof f.cancelReason === "string" ? f.cancelReason.trim() : "";
        await taskq.cancelTask(id, reason ? `cancelled from the dashboard: ${reason}` : "cancelled from the dashboard");
        break;
      }
      case "hold":
        await taskq.holdTask(id);
        break;
      case "release":
        await taskq.releaseTask(id);
        break;
      case "retry":
        await taskq.retryTask(id);
        break;
      default:
        throw new TaskError("not-found", "route-not-found", `no dashboard action ${action}`);
    }
    const done = ({
      revoke: "revoked",
      fail: "failed",
      terminate: "terminated",
      cancel: "cancelled",
      hold: "held",
      release: "released",
      retry: "retried",
    } as Record<string, string>)[action];
    return c.redirect(`${base(c)}/tasks/${encodeURIComponent(id)}?notice=${done}`, 303);
  });

  // any other page under /ui that a browser asks for does not exist: an HTML 404, not the API's JSON one; another
  // method goes on to the routes' own answer (405 with Allow where the path has a page, else the JSON 404)
  ui.all("*", (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    throw new TaskError("not-found", "route-not-found", `There is no dashboard page at ${c.req.path}.`);
  });
  return ui;
}

/** The page of a list whose cursor (from the URL, not the form) was refused: why, and a link to its first page. */
function cursorRefused(base: string, q: Record<string, string>, e: TaskError): Html {
  const params = new URLSearchParams(q);
  params.delete("cursor");
  params.delete("notice");
  const first = params.size ? `${base}/tasks?${params}` : `${base}/tasks`;
  const why = e.issues?.find((i) => i.path === "cursor")?.message ?? "is not valid";
  return html`<div class="alert" role="alert">This page's link is not valid: its cursor ${why}. <a href="${first}"
    >Start over from the first page</a></div>`;
}

/** A filter time: a date-time read as UTC (as the form says), or epoch ms; null when it is neither. */
function toMs(value: string): number | null {
  const v = value.trim();
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** Puts a refusal's issues beside their fields (the first segment of each path); the rest is general. */
function fieldErrors(state: FormState, e: TaskError): void {
  const issues: Issue[] = e.issues ?? [];
  for (const i of issues) {
    const field = i.path.split(".")[0];
    if (field && field in state.values) state.errors[field] = i.message;
    else state.general = e.message;
  }
  if (!issues.length) state.general = e.message;
}

/** An input's error, beside it. */
function errorOf(state: FormState, field: string): Html | string {
  const text = state.errors[field];
  return text ? html`<span class="field-error" id="${field}-error" role="alert">${field} ${text}</span>` : "";
}

function invalidAttrs(state: FormState, field: string): Html | string {
  return state.errors[field] ? html`class="invalid" aria-invalid="true" aria-describedby="${field}-error"` : "";
}

function filterForm(base: string, state: FormState): Html {
  const v = state.values;
  const dt = (field: "from" | "to", label: string) => {
    // a datetime-local input holds "YYYY-MM-DDTHH:MM[:SS]"; epoch ms typed in the URL is shown as that
    const ms = v[field] && /^\d+$/.test(v[field]) ? Number(v[field]) : null;
    const shown = ms !== null ? new Date(ms).toISOString().slice(0, 19) : v[field] ?? "";
    // a refused value is shown as typed (a datetime-local input would blank it)
    const type = state.errors[field] ? "text" : "datetime-local";
    return html`<label>${label}<input type="${type}" step="1" name="${field}" value="${shown}" ${
      invalidAttrs(state, field)
    }>${errorOf(state, field)}</label>`;
  };
  return html`<form class="filters card" method="get" action="${base}/tasks">
<label>topic<input name="topic" value="${v.topic ?? ""}"></label>
<label>sub-topic<input name="subTopic" value="${v.subTopic ?? ""}"></label>
<label>status<select name="status" ${invalidAttrs(state, "status")}><option value="">any</option>${
    STATUSES.map((s) => html`<option value="${s}" ${v.status === s ? "selected" : ""}>${s}</option>`)
  }</select>${errorOf(state, "status")}</label>
${dt("from", "updated from (UTC)")}
${dt("to", "updated to (UTC)")}
<label>order<select name="order"><option value="desc">newest first</option><option value="asc" ${
    v.order === "asc" ? "selected" : ""
  }>oldest first</option></select></label>
<button type="submit">Filter</button></form>
${state.general ? html`<div class="alert" role="alert">${state.general}</div>` : ""}`;
}

function taskList(base: string, q: Record<string, string>, p: Page, total: number): Html {
  const link = (cursor: string) => {
    const params = new URLSearchParams(q);
    params.delete("notice");
    params.set("cursor", cursor);
    return `${base}/tasks?${params}`;
  };
  const first = (() => {
    const params = new URLSearchParams(q);
    params.delete("notice");
    params.delete("cursor");
    return `${base}/tasks?${params}`;
  })();
  return html`
    <p class="muted"
      data-testid="total">${count(total)} ${total === 1 ? "task matches" : "tasks match"}${q.cursor
        ? html`
          · <a href="${first}">first page</a>
        `
        : ""} · refreshed <span data-testid="refreshed">${time(Date.now())}</span></p>
    ${taskTable(base, p.data)}
    <p class="pager">${p.prevCursor
      ? html`<a href="${link(p.prevCursor)}" rel="prev">← Previous page</a>`
      : ""}${p.cursor
      ? html`<a href="${link(p.cursor)}" rel="next">Next page →</a>`
      : html`<span class="muted">End of list.</span>`}</p>
  `;
}

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

/** A task's backoff in words ("worker default" when it has none of its own). */
function backoffText(t: Task): string {
  const b = t.backoff;
  if (b === null) return "worker default";
  if (b.type === "fixed") return `fixed ${b.delayMs} ms`;
  return `exponential from ${b.baseMs ?? 1000} ms, at most ${b.capMs ?? 3_600_000} ms`;
}

function detail(base: string, t: Task, noticeKey: string | undefined): Html {
  const unowned = t.status === "starting" || t.status === "snoozed";
  const action = (name: string) => `${base}/tasks/${encodeURIComponent(t.taskId)}/${name}`;
  return html`
    ${notice(noticeKey)}
    <h1>Task ${t.taskId} ${badge(t.status)}</h1>
    <div class="card">
      <dl>
        <dt>topic / sub-topic</dt>
        <dd><a href="${base}/tasks?topic=${encodeURIComponent(t.topic)}">${t.topic}</a> / ${t.subTopic}</dd>
        <dt>group</dt>
        <dd><a href="${base}/groups/${encodeURIComponent(t.taskGroupId)}">${t.taskGroupId}</a></dd>
        <dt>description</dt>
        <dd>${t.taskDescription ?? "—"}</dd>
        <dt>owner (pid)</dt>
        <dd>${t.pid ?? "—"}</dd>
        <dt>last owner</dt>
        <dd data-testid="last-owner">${t.lastPid ?? "never reserved"}</dd>
        <dt>lease</dt>
        <dd>${t.leaseId ?? "—"}${t.leaseExpiresAt
          ? html`
            until ${time(t.leaseExpiresAt)}
          `
          : ""}</dd>
        <dt>attempts</dt>
        <dd data-testid="attempts">${t.attempts} reserved, ${t.failures} failed${t.maxAttempts === null
          ? ""
          : ` of ${t.maxAttempts} allowed`}</dd>
        <dt>backoff</dt>
        <dd>${backoffText(t)}</dd>
        <dt>priority</dt>
        <dd>${t.priority}</dd>
        <dt>reservable from</dt>
        <dd data-testid="run-at">${t.runAt === null ? "—" : time(t.runAt)}</dd>
        <dt>record version</dt>
        <dd>${t.recordVer}</dd>
        <dt>timeout</dt>
        <dd>${t.timeoutMs === null ? "worker default" : `${t.timeoutMs} ms`}</dd>
        <dt>snooze</dt>
        <dd>${t.snoozeTime === null ? "—" : `${t.snoozeTime} ms`}</dd>
        <dt>created</dt>
        <dd>${time(t.createdAt)}</dd>
        <dt>updated</dt>
        <dd>${time(t.updatedAt)}</dd>
        <dt>error</dt>
        <dd class="${t.error ? "error" : ""}">${t.error ?? "—"}</dd>
      </dl>
    </div>
    <h2>Data</h2>
    <pre data-testid="task-data">${JSON.stringify(t.data, null, 2)}</pre>
    <h2>Result</h2>
    <pre data-testid="task-result">${t.result === null ? "—" : JSON.stringify(t.result, null, 2)}</pre>
    <h2>Actions</h2>
    <div class="row">
    ${t.status === "running" || t.status === "snoozed"
      ? html`
        <form method="post"
          action="${action("revoke")}"><input type="hidden" name="recordVer" value="${t
            .recordVer}"><button>Revoke lease → starting</button></form>
      `
      : ""}
    ${unowned
      ? html`
        <details class="action">
          <summary>Mark terminated…</summary>
          <form method="post"
            action="${action(
              "terminate",
            )}"><span class="muted">The task will not run again.</span><button class="secondary">Confirm: mark terminated</button></form>
        </details>
        <details class="action">
          <summary>Mark failed…</summary>
          <form method="post"
            action="${action(
              "fail",
            )}"><label>reason<input name="reason" required maxlength="1000" placeholder="why it will not run"></label><button class="danger">Confirm: mark failed</button></form>
        </details>
      `
      : ""}
    ${unowned
      ? html`<form method="post" action="${
        action("hold")
      }"><button class="secondary">Hold (keep from running)</button></form>`
      : ""}
    ${t.status === "held"
      ? html`<form method="post" action="${action("release")}"><button>Release → starting</button></form>`
      : ""}
    ${unowned || t.status === "running" || t.status === "held"
      ? html`
        <details class="action">
          <summary>Cancel…</summary>
          <form method="post"
            action="${action(
              "cancel",
            )}"><label>reason<input name="cancelReason" maxlength="1000" placeholder="why it should not run"></label><button class="danger">Confirm: cancel</button></form>
        </details>
      `
      : ""}
    ${t.status === "failed" || t.status === "cancelled"
      ? html`<form method="post" action="${action("retry")}"><button>Re-run → starting</button></form>`
      : ""}
    ${t.status === "terminated" ? html`<span class="muted">A terminated task is final.</span>` : ""}
    </div>
  `;
}
