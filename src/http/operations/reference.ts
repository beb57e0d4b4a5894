/**
 * The API's own description: the OpenAPI document (`GET /openapi.json`) and
 * the reference page rendered from it (`GET /docs`).
 *
 * @module
 */

import { pageHeaders } from "../middleware/page-headers.ts";
import { referencePage } from "../reference.ts";
import { PAGE_SCRIPTS } from "../ui/layout.ts";
import { type Operation, operation } from "./operation.ts";

/** The reference routes, in the document's order. */
export const REFERENCE: Operation[] = [
  operation({
    method: "get",
    path: "/openapi.json",
    id: "openapi",
    summary: "This document",
    tag: "reference",
    ok: { status: 200, schema: { type: "object", required: ["openapi", "paths"] }, description: "OpenAPI 3.1" },
    errors: [],
    // the document's servers name the mount point: the path before /openapi.json
    handle: (c, _, { document }) => c.json(document(c.req.path.replace(/\/openapi\.json$/, ""))),
  }),
  operation({
    method: "get",
    path: "/docs",
    id: "reference",
    summary: "The API reference, as a page",
    tag: "reference",
    use: [pageHeaders(PAGE_SCRIPTS)],
    ok: { status: 200, text: "text/html", description: "the page" },
    errors: [],
    handle: (c, _, { document }) =>
      c.html(referencePage(document(c.req.path.replace(/\/docs$/, "")), c.req.path.replace(/\/docs$/, "/ui"))),
  }),
];
