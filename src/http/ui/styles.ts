/**
 * The dashboard's stylesheet, inlined in every page: the shell, tables
 * (topics, tasks, schedules), forms and badges (one colour per status), then the charts.
 *
 * @module
 */

import { type Status, STATUSES } from "../../transitions.ts";

/** Each status's colour (a `Record` over the transition table's statuses: a new status fails to compile until it has one). */
const STATUS_COLOURS: Record<Status, string> = {
  starting: "#868e96",
  running: "#1c7ed6",
  snoozed: "#f08c00",
  blocked: "#0c8599",
  held: "#7048e8",
  failed: "#e03131",
  terminated: "#2f9e44",
  cancelled: "#495057",
};
const statusVars = STATUSES.map((s) => `--${s}:${STATUS_COLOURS[s]}`).join(";");
const badgeRules = STATUSES.map((s) => `.badge.${s}{background:var(--${s})}`).join("");

/** The page shell's styles: layout, tables, forms, badges; a narrow screen turns table rows into blocks. */
export const PAGE_STYLE = `
:root{--bg:#f7f7f5;--fg:#1d1d1f;--muted:#6b6b70;--line:#e4e4e0;--card:#fff;--accent:#3b5bdb;
${statusVars}}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center;padding:14px 28px;background:var(--card);border-bottom:1px solid var(--line)}
header b{font-size:17px;letter-spacing:.3px}header a{color:var(--muted);text-decoration:none}header a:hover{color:var(--fg)}
header .zone{margin-left:auto;color:var(--muted);font-size:12px}
form.search{display:flex;gap:6px}form.search input{width:16em;padding:3px 8px}form.search button{padding:3px 10px}
@media (max-width:600px){form.search input{width:11em}}
main{max-width:1180px;margin:0 auto;padding:24px 28px}h1{font-size:20px;margin:0 0 16px;word-break:break-all}h2{font-size:15px;margin:24px 0 8px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin-bottom:16px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px;white-space:nowrap}
table.topics th{white-space:normal}td.time{white-space:nowrap}td.text{overflow-wrap:anywhere;min-width:8em}
.clip{display:inline-block;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}
td.id .clip{font:12px/1.75 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;max-width:26ch}
td.topic{width:30%;min-width:9em}td.owner{width:12%;min-width:6em}
td.topic .cell,td.name .cell{display:flex;align-items:center;gap:6px;width:0;min-width:100%}.cell .clip{flex:0 1 auto;min-width:0}.cell>:not(.clip){flex:none}
table.tasks td.topic .clip,td.owner .clip{display:block;width:0;min-width:100%}
table.schedules td.name{width:24%;min-width:10em}table.schedules td.topic{width:16%;min-width:7em}
table.schedules td.topic .clip{display:block;width:0;min-width:100%}td.cron{overflow-wrap:break-word;min-width:8em}
table.schedules tr.main td{border-bottom:0}table.schedules td.slots{padding-top:0}
div.slots{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center;font-size:12px}.slot{white-space:nowrap}
th.num,td.num{font-variant-numeric:tabular-nums;text-align:right}a{color:var(--accent)}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;color:#fff}
${badgeRules}.badge.limits{background:var(--running)}.badge.held-back{background:var(--snoozed)}
.marks{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}.card>h2:first-child{margin-top:0}
form.inline{display:inline}form.inline button,td button{padding:1px 8px;font-size:12px}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end}label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:2px}
input,select,textarea{font:inherit;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:#fff;max-width:100%}
input[type=datetime-local]{min-width:13.5em}textarea{width:100%}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}button.danger{background:var(--failed);border-color:var(--failed)}
pre{background:#f1f3f5;padding:12px;border-radius:8px;overflow:auto;margin:0}
dl{display:grid;grid-template-columns:minmax(8em,160px) 1fr;gap:6px 16px;margin:0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
.error{color:var(--failed)}.field-error{color:var(--failed);font-size:12px}.invalid{border-color:var(--failed)}
.muted{color:var(--muted)}.row{display:flex;gap:8px;flex-wrap:wrap;align-items:start}.row+.row{margin-top:12px}
.notice{background:#ebfbee;border:1px solid #b2f2bb;color:#2b8a3e;border-radius:8px;padding:10px 14px;margin-bottom:16px}
.alert{overflow-wrap:anywhere;background:#fff5f5;border:1px solid #ffc9c9;color:var(--failed);border-radius:8px;padding:10px 14px;margin-bottom:16px}
.pager{display:flex;gap:16px;align-items:center;flex-wrap:wrap}
.why{border-left:4px solid var(--blocked);background:var(--card);padding:8px 14px;border-radius:6px}.why,.wrap{overflow-wrap:anywhere;word-break:normal}
ul.deps{list-style:none;margin:0;padding:0}ul.deps li{padding:3px 0}
ul.deps li,div.follow-up{display:flex;align-items:center;gap:8px;min-width:0}
ul.deps .clip,div.follow-up .clip{font:12px/1.75 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
details.action summary{cursor:pointer;list-style:none;display:inline-block;padding:6px 14px;border:1px solid var(--accent);border-radius:6px;color:var(--accent);background:#fff}
details.action[open] summary{margin-bottom:8px}details.action form{display:flex;flex-direction:column;gap:8px;min-width:16em}
@media (max-width:960px){table.topics,table.topics tbody,table.tasks,table.tasks tbody{display:block}
table.topics tr.head,table.tasks tr.head{display:none}
table.topics tr,table.tasks tr{display:grid;grid-template-columns:repeat(auto-fill,minmax(6.5em,1fr));gap:4px 10px;padding:8px 0;border-bottom:1px solid var(--line)}
table.topics td,table.tasks td{border:0;padding:0;text-align:left;width:auto;min-width:0}
table.schedules,table.schedules tbody{display:block}table.schedules thead{display:none}
table.schedules tr{display:grid;grid-template-columns:repeat(auto-fill,minmax(10em,1fr));gap:4px 10px;padding:8px 0}
table.schedules tr.main{padding-bottom:4px}table.schedules tbody{border-bottom:1px solid var(--line)}
table.schedules td{border:0;padding:0;text-align:left;width:auto;min-width:0}
table.schedules td.name,table.schedules td.slots{grid-column:1/-1}table.schedules td.time,.slot{white-space:normal}
table.topics td.topic,table.topics td.spark,table.tasks td.id,table.tasks td.topic,table.tasks td.text{grid-column:1/-1}
table.tasks td.text{order:1}table.tasks td.time{white-space:normal}
td[data-label]::before{content:attr(data-label);display:block;font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px}}
@media (max-width:600px){header{padding:10px 14px}main{padding:14px}.card{padding:10px}dl{grid-template-columns:1fr}dt{margin-top:6px}.row{flex-direction:column}}
`;

/** The charts' styles (bars, lines, sparklines). */
export const CHART_STYLE = `
figure.chart{margin:0;min-width:0}svg.chart{width:100%;height:90px;display:block}
.axis{display:flex;justify-content:space-between;font-size:11px;color:var(--muted)}
svg.chart rect.completed{fill:var(--terminated)}svg.chart rect.failed{fill:var(--failed)}
svg.chart polyline{fill:none;stroke-width:1.2;vector-effect:non-scaling-stroke}
svg.chart polyline.completed{stroke:var(--terminated)}svg.chart polyline.failed{stroke:var(--failed)}
svg.chart line.base{stroke:var(--line)}
figcaption{font-size:12px;color:var(--muted)}.ok{color:var(--terminated)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px 20px}
svg.spark{width:120px;height:20px;display:block}svg.spark path{stroke-width:.8;fill:none}
svg.spark line.base{stroke:var(--line);vector-effect:non-scaling-stroke}
svg.spark path.completed{stroke:var(--terminated)}svg.spark path.failed{stroke:var(--failed)}
`;
