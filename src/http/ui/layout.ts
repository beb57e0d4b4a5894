/**
 * The dashboard's page shell: the inline stylesheet, an inline SVG icon,
 * the navigation, and one inline script that refreshes the parts of a page
 * marked `data-refresh` (the list, the counts) in place every 5 s.
 *
 * @module
 */

import { html, raw } from "hono/html";
import type { Html } from "./html.ts";
import { CHART_STYLE, PAGE_STYLE } from "./styles.ts";

/** A queue-like glyph as the tab icon, inline, so the browser never asks for /favicon.ico. */
const ICON = "data:image/svg+xml," +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#3b5bdb"/><rect x="3" y="4" width="10" height="2" rx="1" fill="#fff"/><rect x="3" y="7" width="7" height="2" rx="1" fill="#fff"/><rect x="3" y="10" width="4" height="2" rx="1" fill="#fff"/></svg>`,
  );

// Refreshes each [data-refresh] element in place from its URL (a fragment of
// the same page) every 5 s while the tab is visible; reads only that URL.
const REFRESH = `(function(){var els=document.querySelectorAll("[data-refresh]");if(!els.length)return;
setInterval(function(){if(document.hidden)return;els.forEach(function(el){fetch(el.getAttribute("data-refresh"),{headers:{"x-sokka-fragment":"1"}})
.then(function(r){return r.ok?r.text():null}).then(function(t){if(t!==null)el.innerHTML=t}).catch(function(){})})},5000)})();`;

/** Every inline script of the pages, by its exact text: their Content-Security-Policy lets these run and no other. */
export const PAGE_SCRIPTS: readonly string[] = [REFRESH];

/** A whole page. `base` is the dashboard's own path (e.g. "/sokka/ui"). */
export function page(base: string, title: string, body: Html): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <link rel="icon" href="${ICON}">
        <title>${title} · sokka</title>
        <style>${raw(PAGE_STYLE + CHART_STYLE)}</style>
      </head>
      <body>
        <header><b>sokka</b><a href="${base}">Overview</a><a href="${base}/tasks">Tasks</a><a href="${base}/schedules">Schedules</a><a href="${base}/new">New task</a><a href="${base
          .replace(/\/ui$/, "")}/docs">API</a>
          <form class="search" method="get" action="${base}/find" role="search"><input name="taskId" placeholder="Task id" aria-label="Find a task by id" required><button class="secondary">Find</button></form>
          <span class="zone">All times UTC</span></header>
        <main>${body}</main>
        <script>${raw(REFRESH)}</script>
      </body>
    </html>
  `;
}
