/**
 * The dashboard (`GET /ui` and below): server-rendered with `hono/html`, no
 * bundler, no CDN, no client framework; works with JS off. Form posts are
 * protected by Hono's `csrf` middleware.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { html } from "hono/html";
import { TaskError } from "../../errors.ts";
import { STATUSES } from "../../schemas.ts";
import type { ListFilters, Task, TaskQ } from "../../types.ts";
import { badge, page, time } from "./layout.ts";

/** Who the dashboard's own writes are done as (transitions out of starting/snoozed do not check it). */
const DASHBOARD_PID = "sokka-dashboard";

/** The dashboard as a Hono app, to be mounted at `/ui` of the routes. */
export function uiRoutes(taskq: TaskQ): Hono {
  const ui = new Hono();
  ui.use("*", csrf());
  const base = (c: Context) => c.req.path.replace(/\/ui(\/.*)?$/, "/ui");

  ui.onError((err, c) => {
    const status = err instanceof TaskError || err instanceof HTTPException ? err.status : 500;
    const message = err instanceof TaskError
      ? err.message
      : err instanceof HTTPException
      ? err.message || "refused"
      : "internal error";
    return c.html(
      page(
        base(c),
        "Error",
        html`
          <h1>Something went wrong</h1>
          <div class="card error">${message}</div>
        `,
      ),
      status as 400,
    );
  });

  ui.get("/", async (c) => {
    const stats = await taskq.topicStats();
    return c.html(page(
      base(c),
      "Overview",
      html`
        <h1>Topics</h1>
        <div class="card">
          <table>
        <tr><th>topic</th>${STATUSES.map((s) => html`<th class="num">${s}</th>`)}<th class="num">total</th></tr>
        ${stats.length ? "" : html`
          <tr>
            <td colspan="7" class="muted">No tasks yet.</td>
          </tr>
        `}
        ${stats.map((s) =>
          html`<tr><td><a href="${base(c)}/tasks?topic=${encodeURIComponent(s.topic)}">${s.topic}</a></td>
${
            STATUSES.map((st) =>
              html`<td class="num"><a href="${base(c)}/tasks?topic=${encodeURIComponent(s.topic)}&status=${st}">${
                s.counts[st]
              }</a></td>`
            )
          }
<td class="num">${Object.values(s.counts).reduce((a, b) => a + b, 0)}</td></tr>`
        )}
          </table>
        </div>
        <p class="muted">Refreshes every 5 s.</p>
      `,
      { refresh: 5 },
    ));
  });

  ui.get("/tasks", async (c) => {
    const q = c.req.query();
    const filters: ListFilters = {};
    if (q.topic) filters.topic = q.topic;
    if (q.subTopic) filters.subTopic = q.subTopic;
    if (q.status) filters.status = q.status as ListFilters["status"];
    if (q.from) filters.from = toMs(q.from, "from");
    if (q.to) filters.to = toMs(q.to, "to");
    const pageData = await taskq.listTasks(filters, { limit: 50, cursor: q.cursor || null });
    const next = pageData.cursor ? `${base(c)}/tasks?${new URLSearchParams({ ...q, cursor: pageData.cursor })}` : null;
    return c.html(page(
      base(c),
      "Tasks",
      html`<h1>Tasks</h1>
<form class="filters card" method="get" action="${base(c)}/tasks">
<label>topic<input name="topic" value="${q.topic ?? ""}"></label>
<label>sub-topic<input name="subTopic" value="${q.subTopic ?? ""}"></label>
<label>status<select name="status"><option value="">any</option>${
        STATUSES.map((s) => html`<option value="${s}" ${q.status === s ? "selected" : ""}>${s}</option>`)
      }</select></label>
<label>updated from (UTC)<input name="from" placeholder="2026-01-31T08:00 or epoch ms" value="${q.from ?? ""}"></label>
<label>updated to (UTC)<input name="to" placeholder="2026-01-31T18:00 or epoch ms" value="${q.to ?? ""}"></label>
<button type="submit">Filter</button></form>
${taskTable(base(c), pageData.data)}
${next ? html`<p><a href="${next}" rel="next">Next page →</a></p>` : html`<p class="muted">End of list.</p>`}`,
    ));
  });

  ui.get("/tasks/:taskId", async (c) => {
    const t = await taskq.task(c.req.param("taskId"));
    if (!t) throw new TaskError("not-found", "task-not-found", `no task ${c.req.param("taskId")}`);
    return c.html(page(base(c), t.taskId, detail(base(c), t)));
  });

  ui.get("/groups/:groupId", async (c) => {
    const group = await taskq.tasks(c.req.param("groupId"));
    return c.html(page(base(c), "Group", html`<h1>Group ${c.req.param("groupId")}</h1>${taskTable(base(c), group)}`));
  });

  ui.get("/new", (c) =>
    c.html(page(
      base(c),
      "New task",
      html`
        <h1>New task</h1>
        <form class="card" method="post" action="${base(c)}/tasks">
        <div class="row"><label>topic<input name="topic" required></label><label>sub-topic<input name="subTopic" placeholder="default"></label>
        <label>timeout (ms)<input name="timeoutMs" inputmode="numeric"></label></div>
        <p><label>description<input name="taskDescription" size="60"></label></p>
        <p><label>data (JSON)<textarea name="data" rows="6" cols="70">{}</textarea></label></p>
        <button type="submit">Create task</button></form>
      `,
    )));

  ui.post("/tasks", async (c) => {
    const f = await c.req.parseBody();
    const str = (k: string) => (typeof f[k] === "string" && f[k] !== "" ? (f[k] as string) : undefined);
    let data: unknown = null;
    if (str("data")) {
      try {
        data = JSON.parse(str("data")!);
      } catch {
        throw new TaskError("bad-request", "invalid-task", "data is not valid JSON", {
          issues: [{ path: "data", message: "must be valid JSON" }],
        });
      }
    }
    const timeout = str("timeoutMs");
    const t = await taskq.createTask({
      topic: str("topic")!,
      subTopic: str("subTopic"),
      taskDescription: str("taskDescription"),
      timeoutMs: timeout === undefined ? undefined : Number(timeout),
      data,
    });
    return c.redirect(`${base(c)}/tasks/${encodeURIComponent(t.taskId)}`, 303);
  });

  ui.post("/tasks/:taskId/:action", async (c) => {
    const id = c.req.param("taskId");
    const f = await c.req.parseBody();
    switch (c.req.param("action")) {
      case "revoke":
        await taskq.revokeLease(id, Number(f.recordVer));
        break;
      case "terminate":
        await taskq.terminate(id, DASHBOARD_PID);
        break;
      case "fail":
        await taskq.fail(id, DASHBOARD_PID, "failed from the dashboard");
        break;
      default:
        throw new TaskError("not-found", "task-not-found", "no such action");
    }
    return c.redirect(`${base(c)}/tasks/${encodeURIComponent(id)}`, 303);
  });
  return ui;
}

function toMs(value: string, field: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  if (!Number.isFinite(n)) {
    throw new TaskError("bad-request", "invalid-task", `${field} is not a time`, {
      issues: [{ path: field, message: "must be a date-time or epoch ms" }],
    });
  }
  return n;
}

function taskTable(base: string, tasks: Task[]) {
  return html`
    <div class="card">
      <table>
    <tr><th>task</th><th>topic</th><th>status</th><th>description</th><th class="num">attempts</th><th>updated</th></tr>
    ${tasks.length ? "" : html`
      <tr>
        <td colspan="6" class="muted">No tasks match.</td>
      </tr>
    `}
    ${tasks.map((t) =>
      html`
        <tr>
          <td><a href="${base}/tasks/${encodeURIComponent(t.taskId)}">${t.taskId}</a></td>
          <td>${t.topic}<span class="muted"> / ${t.subTopic}</span></td>
          <td>${badge(t.status)}</td>
          <td>${t.taskDescription ?? ""}</td>
          <td class="num">${t.attempts}</td>
          <td>${time(t.updatedAt)}</td>
        </tr>
      `
    )}</table>
    </div>
  `;
}

function detail(base: string, t: Task) {
  const unowned = t.status === "starting" || t.status === "snoozed";
  return html`
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
        <dt>lease</dt>
        <dd>${t.leaseId ?? "—"}${t.leaseExpiresAt
          ? html`
            until ${time(t.leaseExpiresAt)}
          `
          : ""}</dd>
        <dt>attempts</dt>
        <dd>${t.attempts}</dd>
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
    <h2>Actions</h2>
    <div class="row">
    ${t.status === "running" || t.status === "snoozed"
      ? html`
        <form method="post"
          action="${base}/tasks/${encodeURIComponent(t.taskId)}/revoke"><input type="hidden" name="recordVer" value="${t
            .recordVer}"><button>Revoke lease → starting</button></form>
      `
      : ""}
    ${unowned
      ? html`
        <form method="post"
          action="${base}/tasks/${encodeURIComponent(
            t.taskId,
          )}/terminate"><button class="secondary">Mark terminated</button></form>
        <form method="post" action="${base}/tasks/${encodeURIComponent(
          t.taskId,
        )}/fail"><button class="secondary">Mark failed</button></form>
      `
      : ""}
    ${t.status === "failed" || t.status === "terminated"
      ? html`<span class="muted">A ${t.status} task is final.</span>`
      : ""}
    </div>
  `;
}
