/**
 * The dashboard's page shell: a small inline stylesheet, the navigation, and
 * one inline script that shows times in the viewer's local time (without JS
 * they read in UTC). Everything interpolated through `html` is escaped.
 *
 * @module
 */

import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
:root{--bg:#f7f7f5;--fg:#1d1d1f;--muted:#6b6b70;--line:#e4e4e0;--card:#fff;--accent:#3b5bdb;
--starting:#868e96;--running:#1c7ed6;--snoozed:#f08c00;--failed:#e03131;--terminated:#2f9e44}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;gap:24px;align-items:center;padding:14px 28px;background:var(--card);border-bottom:1px solid var(--line)}
header b{font-size:17px;letter-spacing:.3px}header a{color:var(--muted);text-decoration:none}header a:hover{color:var(--fg)}
main{max-width:1180px;margin:0 auto;padding:24px 28px}h1{font-size:20px;margin:0 0 16px}h2{font-size:15px;margin:24px 0 8px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin-bottom:16px}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
th.num,td.num{font-variant-numeric:tabular-nums;text-align:right}a{color:var(--accent)}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;color:#fff}
.badge.starting{background:var(--starting)}.badge.running{background:var(--running)}.badge.snoozed{background:var(--snoozed)}
.badge.failed{background:var(--failed)}.badge.terminated{background:var(--terminated)}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end}label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:2px}
input,select,textarea{font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}pre{background:#f1f3f5;padding:12px;border-radius:8px;overflow:auto;margin:0}
dl{display:grid;grid-template-columns:160px 1fr;gap:6px 16px;margin:0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
.error{color:var(--failed)}.muted{color:var(--muted)}.row{display:flex;gap:8px;flex-wrap:wrap}
`;

// Turns <time data-ms> into the viewer's local time; reads only numbers from data-ms.
const LOCAL_TIME =
  `document.querySelectorAll("time[data-ms]").forEach(function(t){var d=new Date(Number(t.dataset.ms));if(!isNaN(d))t.textContent=d.toLocaleString();});`;

/** A whole page. `base` is the dashboard's own path (e.g. "/sokka/ui"). */
export function page(base: string, title: string, body: Html, opts: { refresh?: number } = {}): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
    ${opts.refresh ? html`<meta http-equiv="refresh" content="${opts.refresh}">` : ""}
    <title>${title} · sokka</title><style>${raw(STYLE)}</style></head>
      <body>
        <header><b>sokka</b><a href="${base}">Overview</a><a href="${base}/tasks">Tasks</a><a href="${base}/new">New task</a></header>
        <main>${body}</main>
        <script>${raw(LOCAL_TIME)}</script>
      </body>
    </html>
  `;
}

/** A time: UTC without JS, the viewer's local time with it. */
export function time(ms: number | null): Html | string {
  if (ms === null) return "—";
  return html`<time data-ms="${ms}" datetime="${new Date(ms).toISOString()}">${
    new Date(ms).toISOString().replace("T", " ").slice(0, 19)
  } UTC</time>`;
}

/** A status badge. */
export function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}
