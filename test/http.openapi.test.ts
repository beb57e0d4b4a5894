/**
 * The OpenAPI document (GET /openapi.json): valid OpenAPI 3.1 by a validator
 * from npm, listing every route of the app; and for each operation a request
 * generated from the document (its path, parameter and body examples) that
 * succeeds with the documented status and an answer valid against the
 * documented schema.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";

type Json = Record<string, any>;
const stores: TaskQ[] = [];
afterEach(async () => {
  for (const q of stores.splice(0)) await q.close();
});
function fresh() {
  const taskq = createTaskQ({ url: ":memory:" });
  stores.push(taskq);
  return { taskq, app: sokkaRoutes({ taskq }) };
}

async function documentOf(): Promise<Json> {
  const res = await fresh().app.request("/openapi.json");
  expect(res.status).toBe(200);
  return await res.json();
}

it("is a valid OpenAPI 3.1 document", async () => {
  const doc = await documentOf();
  const result = await new Validator().validate(doc);
  expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(doc.openapi).toBe("3.1.0");
});

it("lists every route of the app (but the dashboard) and no other", async () => {
  const doc = await documentOf();
  const documented = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)
  ).sort();
  const routes = [
    ...new Set(
      fresh().app.routes
        .filter((r) => r.method !== "ALL" && !r.path.startsWith("/ui"))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    ),
  ].sort();
  expect(documented).toEqual(routes);
  // every operation documents its request (for POSTs) and its answers
  for (const item of Object.values(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      expect(op.operationId).toBeTruthy();
      if (method === "post") expect(op.requestBody?.content?.["application/json"]?.schema, op.operationId).toBeTruthy();
    }
  }
});

/** The state each operation's example request needs, and the values only that state knows (a lease id). */
const SETUP: Record<string, (q: TaskQ) => Promise<Json | void>> = {
  getTask: (q) => q.createTask({ topic: "email", taskId: "TASK_ID" }).then(() => {}),
  groupTasks: (q) => q.createTask({ topic: "email", taskGroupId: "GROUP_ID" }).then(() => {}),
  cancelTask: (q) => q.createTask({ topic: "email", taskId: "TASK_ID" }).then(() => {}),
  holdTask: (q) => q.createTask({ topic: "email", taskId: "TASK_ID" }).then(() => {}),
  releaseTask: async (
    q,
  ) => (await q.createTask({ topic: "email", taskId: "TASK_ID" }), await q.holdTask("TASK_ID"), {}),
  retryTask: async (
    q,
  ) => (await q.createTask({ topic: "email", taskId: "TASK_ID" }), await q.cancelTask("TASK_ID"), {}),
  revokeLease: async (q) => {
    await q.createTask({ topic: "email", taskId: "TASK_ID" });
    return { recordVer: (await q.reserveTask("email", "w"))!.recordVer };
  },
  reserve: (q) => q.createTask({ topic: "email" }).then(() => {}),
};
for (const id of ["applyWrites", "extendLease", "complete", "fail", "snooze"]) {
  SETUP[id] = async (q) => {
    await q.createTask({ topic: "email", taskId: "TASK_ID" });
    return { leaseId: (await q.reserveTask("email", "consumer-1"))!.leaseId };
  };
}

/** Puts the values the state knows into the example body, wherever the example names them. */
function fill(example: unknown, known: Json): unknown {
  if (Array.isArray(example)) return example.map((x) => fill(x, known));
  if (example && typeof example === "object") {
    return Object.fromEntries(Object.entries(example).map(([k, v]) => [k, k in known ? known[k] : fill(v, known)]));
  }
  return example;
}

it("a request generated from the document for each operation succeeds and answers as documented", async () => {
  const doc = await documentOf();
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema({ $id: "doc", components: doc.components });
  const validate = (schema: Json) =>
    ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
  let checked = 0;
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json) as [string, Json][]) {
      const { taskq, app } = fresh();
      const known = (await SETUP[op.operationId]?.(taskq)) ?? {};
      let url = path;
      const query = new URLSearchParams();
      for (const p of op.parameters ?? []) {
        if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(p.example));
        else if (p.example !== undefined) query.set(p.name, p.example);
      }
      if ([...query].length) url += `?${query}`;
      const content = op.requestBody?.content?.["application/json"];
      const res = await app.request(url, {
        method: method.toUpperCase(),
        ...(content
          ? { headers: { "content-type": "application/json" }, body: JSON.stringify(fill(content.example, known)) }
          : {}),
      });
      const [status, answer] = Object.entries(op.responses as Json).find(([s]) => s.startsWith("2"))!;
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBe(Number(status));
      const schema = answer.content?.["application/json"]?.schema;
      if (schema) {
        const check = validate(schema);
        expect(check(JSON.parse(text)), `${op.operationId}: ${JSON.stringify(check.errors)}`).toBe(true);
      } else if (answer.content) {
        expect(res.headers.get("content-type")).toContain(Object.keys(answer.content)[0]);
      }
      checked++;
    }
  }
  expect(checked).toBe(23);
});

it("serves the API reference as a page, every operation on it", async () => {
  const doc = await documentOf();
  const res = await fresh().app.request("/docs");
  expect(res.status).toBe(200);
  const page = await res.text();
  for (const item of Object.values(doc.paths as Json)) {
    for (const op of Object.values(item as Json)) expect(page).toContain(`id="${(op as Json).operationId}"`);
  }
});
