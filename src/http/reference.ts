/**
 * `GET /docs`: the API reference, rendered on the server from the OpenAPI
 * document (no script, no CDN): every operation with its parameters, the
 * JSON Schema of its body with an example, and its answers.
 *
 * @module
 */

import { html, raw } from "hono/html";
import type { Html } from "./ui/html.ts";
import { page } from "./ui/layout.ts";

type Json = Record<string, any>;

/** What the reference adds to the dashboard's stylesheet (its page shell, `page()`, is the dashboard's). */
const STYLE = `.ref h2{margin-top:32px;text-transform:capitalize}
.ref section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:12px 0}
.ref h3{font-size:15px;margin:0 0 6px;word-break:break-all}.ref .m{display:inline-block;min-width:3.5em;font-weight:700;color:var(--accent)}
.ref pre{font-size:12px;margin:4px 0;white-space:pre-wrap;word-break:break-all}.ref code{word-break:break-all}
.ref section{overflow-x:auto}.ref td,.ref th{padding:4px 8px}details summary{cursor:pointer;color:var(--accent)}`;

const pretty = (x: unknown) => JSON.stringify(x, null, 2);

/** The page for `doc` (an OpenAPI 3.1 document), in the dashboard's shell; `base` is the dashboard's path. */
export function referencePage(doc: Json, base: string): Html {
  const byTag = new Map<string, [string, string, Json][]>();
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      const tag = (op as Json).tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push([method, path, op as Json]);
    }
  }
  const operation = ([method, path, op]: [string, string, Json]) => {
    const body = op.requestBody?.content?.["application/json"];
    return html`<section id="${op.operationId}">
      <h3><span class="m">${method.toUpperCase()}</span> ${path}</h3>
      <div>${op.summary}</div>
      ${
      op.parameters?.length
        ? html`<table><tr><th>parameter</th><th>in</th><th>schema</th></tr>${
          op.parameters.map((p: Json) =>
            html`
              <tr>
                <td>${p.name}${p.required ? " *" : ""}</td>
                <td>${p.in}</td>
                <td><code>${JSON.stringify(p.schema)}</code></td>
              </tr>
            `
          )
        }</table>`
        : ""
    }
      ${
      body
        ? html`
          <p>Body (JSON${op.requestBody.required ? "" : ", optional"}), for example:</p>
          <pre>${pretty(body.example)}</pre>
          <details>
            <summary>its schema</summary>
            <pre>${pretty(body.schema)}</pre>
          </details>
        `
        : ""
    }
      <table><tr><th>status</th><th>answer</th></tr>${
      Object.entries(op.responses as Json).map(([status, r]) =>
        html`
          <tr>
            <td>${status}</td>
            <td>${(r as Json).description}</td>
          </tr>
        `
      )
    }</table>
    </section>`;
  };
  return page(
    base,
    "API reference",
    html`
      <style>${raw(STYLE)}</style>
      <div class="ref">
              <h1>sokka API reference</h1>
              <p>${doc.info
                .description} The machine-readable document: <a href="openapi.json">openapi.json</a> (OpenAPI ${doc
                .openapi}).</p>
              ${[...byTag].map(([tag, ops]) => html`<h2>${tag}</h2>${ops.map(operation)}`)}
              <h2>schemas</h2>${Object.entries(doc.components.schemas as Json).map(([name, s]) =>
                html`
                  <section id="schema-${name}">
                    <h3>${name}</h3>
                    <pre>${pretty(s)}</pre>
                  </section>
                `
              )}</div>
    `,
  );
}
