/**
 * `GET /docs`: the API reference, rendered on the server from the OpenAPI
 * document (no script, no CDN): every operation with its parameters, the
 * JSON Schema of its body with an example, and its answers.
 *
 * @module
 */

import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

type Json = Record<string, any>;

const STYLE = `body{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1d1d1f;background:#f7f7f5}
main{max-width:980px;margin:0 auto;padding:24px}h1{font-size:22px}h2{font-size:17px;margin-top:32px;text-transform:capitalize}
section{background:#fff;border:1px solid #e4e4e0;border-radius:10px;padding:14px 16px;margin:12px 0}
h3{font-size:15px;margin:0 0 6px;word-break:break-all}.m{display:inline-block;min-width:3.5em;font-weight:700;color:#3b5bdb}
pre{background:#f1f3f5;padding:10px;border-radius:8px;overflow:auto;font-size:12px;margin:4px 0}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
details summary{cursor:pointer;color:#3b5bdb}.muted{color:#6b6b70}`;

const pretty = (x: unknown) => JSON.stringify(x, null, 2);

/** The page for `doc` (an OpenAPI 3.1 document). */
export function referencePage(doc: Json): HtmlEscapedString | Promise<HtmlEscapedString> {
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
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <title>API reference · sokka</title>
        <style>${raw(STYLE)}</style>
      </head>
      <body>
        <main>
        <h1>sokka API reference</h1>
        <p>${doc.info.description} The machine-readable document: <a href="openapi.json">openapi.json</a> (OpenAPI ${doc
          .openapi}).</p>
        ${[...byTag].map(([tag, ops]) => html`<h2>${tag}</h2>${ops.map(operation)}`)}
        <h2>schemas</h2>${Object.entries(doc.components.schemas as Json).map(([name, s]) =>
          html`
            <section id="schema-${name}">
              <h3>${name}</h3>
              <pre>${pretty(s)}</pre>
            </section>
          `
        )}
        </main>
      </body>
    </html>
  `;
}
