/**
 * The OpenAPI document (GET /openapi.json): valid OpenAPI 3.1 by a validator
 * from npm, listing every route of the app; and for each operation a request
 * generated from the document (its path, parameter and body examples) that
 * succeeds with the documented status and an answer valid against the
 * documented schema.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import * as v from "valibot";
import { afterEach, expect, it } from "vitest";
import { createTaskQ, type Task, type TaskQ } from "../mod.ts";
import { type Same, TaskOut } from "../src/http/answers.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { BAD_NAMES, ODD_NAMES } from "./taskq.names.contract.ts";

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
      if (method === "post" || method === "put") {
        expect(op.requestBody?.content?.["application/json"]?.schema, op.operationId).toBeTruthy();
      }
    }
  }
});

it("the document's Task schema is the Task type (src/http/answers.ts checks it at compile time; the check bites)", async () => {
  const { taskq } = fresh();
  expect(v.is(TaskOut, await taskq.createTask({ topic: "email", backoff: { type: "fixed", delayMs: 5 } }))).toBe(true);
  // each kind of drift fails `npm run typecheck` where answers.ts asserts Same<InferOutput<typeof TaskOut>, Task>
  const { runAt: _, ...lessEntries } = TaskOut.entries;
  const less = v.strictObject(lessEntries);
  const more = v.strictObject({ ...TaskOut.entries, retries: v.number() });
  const notNull = v.strictObject({ ...TaskOut.entries, runAt: v.number() });
  const optional = v.strictObject({ ...TaskOut.entries, runAt: v.optional(v.nullable(v.number())) });
  // @ts-expect-error a field missing
  const lessIsTask: Same<v.InferOutput<typeof less>, Task> = true;
  // @ts-expect-error a field too many
  const moreIsTask: Same<v.InferOutput<typeof more>, Task> = true;
  // @ts-expect-error a field of another type (never null)
  const notNullIsTask: Same<v.InferOutput<typeof notNull>, Task> = true;
  // @ts-expect-error a field optional
  const optionalIsTask: Same<v.InferOutput<typeof optional>, Task> = true;
  const taskOutIsTask: Same<v.InferOutput<typeof TaskOut>, Task> = true;
  expect([lessIsTask, moreIsTask, notNullIsTask, optionalIsTask, taskOutIsTask]).toEqual([
    true,
    true,
    true,
    true,
    true,
  ]);
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
  getTopicLimits: (q) => q.setTopicLimits("email", { concurrency: 2, partitioned: true }).then(() => {}),
  deleteTopicLimits: (q) => q.setTopicLimits("email", { rate: { limit: 5, periodMs: 1000 } }).then(() => {}),
  fireSchedules: (q) => q.schedule({ name: "report", cron: "@daily", topic: "reports" }).then(() => {}),
  // TASK_ID depends on one task and has one dependant, so both pages have a task
  listDependencies: async (q) => {
    const dep = await q.createTask({ topic: "email" });
    await q.createTask({ topic: "email", taskId: "TASK_ID", dependsOn: [dep.taskId] });
  },
  listDependants: async (q) => {
    await q.createTask({ topic: "email", taskId: "TASK_ID" });
    await q.createTask({ topic: "email", dependsOn: ["TASK_ID"] });
  },
  sealGroup: (q) => q.createTask({ topic: "email", taskGroupId: "GROUP_ID" }).then(() => {}),
  groupFollowUp: async (q) => {
    await q.createTask({ topic: "email", taskGroupId: "GROUP_ID" });
    await q.sealGroup("GROUP_ID", { topic: "notify" });
  },
};
/** The success an operation's example request gets, where it documents more than one (else its first). */
const EXAMPLE_STATUS: Record<string, string> = {
  createTask: "201", // 200: deduplicated by its uniqueKey (the example has none)
  sealGroup: "201", // 200: the group was sealed already
};
// the schedule the path's example names (a PUT of it then replaces it: 200, the first success documented)
for (const id of ["getSchedule", "putSchedule", "deleteSchedule", "pauseSchedule", "resumeSchedule"]) {
  SETUP[id] = (q) => q.schedule({ name: "nightly-report", cron: "@daily", topic: "reports" }).then(() => {});
}
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
      const [status, answer] = Object.entries(op.responses as Json).find(([s]) =>
        EXAMPLE_STATUS[op.operationId] ? s === EXAMPLE_STATUS[op.operationId] : s.startsWith("2")
      )!;
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
  expect(checked).toBe(40);
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

/** `key` misspelt as a hurried hand would: its last two letters swapped ("result" → "resutl"). */
const misspell = (key: string) => key.slice(0, -2) + key.at(-1) + key.at(-2);

it("every route with a JSON body refuses a misspelt key next to a valid body: 400 naming the key, nothing changed", async () => {
  const doc = await documentOf();
  let checked = 0;
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json) as [string, Json][]) {
      const content = op.requestBody?.content?.["application/json"];
      if (!content) continue;
      const schema = content.schema as Json;
      // each field of the body misspelt (an action that takes none: a stranger), and inside a list's first item
      const example = content.example as Json;
      const fields = Object.keys(schema.properties ?? {});
      const typos: [at: string, key: string][] = fields.length
        ? fields.map(misspell).filter((k) => !fields.includes(k)).map((k) => ["", k])
        : [["", "force"]];
      for (const [k, v] of Object.entries(example)) {
        if (Array.isArray(v) && v[0] && typeof v[0] === "object") {
          for (const inner of Object.keys(v[0]).filter((x) => x !== "op")) typos.push([`${k}.0.`, misspell(inner)]);
        }
      }
      expect(typos.length, op.operationId).toBeGreaterThan(0);
      for (const [at, typo] of typos) {
        const { taskq, app } = fresh();
        const known = (await SETUP[op.operationId]?.(taskq)) ?? {};
        const body = fill(example, known) as Json;
        if (at) body[at.split(".")[0]][0][typo] = { sent: true };
        else body[typo] = { sent: true };
        let url = path;
        for (const p of op.parameters ?? []) {
          if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(p.example));
        }
        // every task and topic as stored (but the age of the oldest ready task, which grows as time passes)
        const state = async () =>
          JSON.stringify(
            [(await taskq.listTasks({}, { limit: 1000 })).data, await taskq.topicStats(), await taskq.listSchedules()],
            (k, v) => k === "oldestReadyAgeMs" ? undefined : v,
          );
        const before = await state();
        const res = await app.request(url, {
          method: method.toUpperCase(),
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const what = `${method} ${path} with ${at}${typo}`;
        const answer = await res.json();
        expect(res.status, `${what}: ${JSON.stringify(answer)}`).toBe(400);
        expect(answer.error.issues, what).toContainEqual({
          path: `${at}${typo}`,
          message: expect.stringContaining("is not a field of"),
        });
        expect(answer.error.message, what).toContain(`${at}${typo} is not a field of`);
        expect(await state(), what).toBe(before);
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThanOrEqual(20);
});

it("documents a name's rule as a JSON Schema pattern (path parameters and body fields alike) that says what the store says", async () => {
  const doc = await documentOf();
  const schemas = [
    doc.paths["/tasks/{taskId}"].get.parameters[0].schema,
    doc.paths["/topics/{topic}/pause"].post.parameters[0].schema,
    doc.paths["/tasks"].post.requestBody.content["application/json"].schema.properties.topic,
    doc.paths["/tasks/{taskId}/complete"].post.requestBody.content["application/json"].schema.properties.leaseId,
  ];
  for (const s of schemas) expect(s).toEqual(schemas[0]);
  expect(schemas[0]).toMatchObject({ type: "string", minLength: 1, maxLength: 255, pattern: expect.any(String) });
  const check = new Ajv2020({ strict: false }).compile(schemas[0]);
  for (const [bad] of BAD_NAMES) {
    // a lone surrogate is past what a pattern can say (JSON text cannot carry one but as an escape); the store says it
    if (!/\p{Cs}/u.test(bad)) expect(check(bad), JSON.stringify(bad)).toBe(false);
  }
  for (const odd of ODD_NAMES) expect(check(odd), odd).toBe(true);
});

it("names where its routes are mounted (servers), so a generated client calls /sokka/tasks, not /tasks", async () => {
  const { taskq } = fresh();
  const app = new Hono().route("/sokka", sokkaRoutes({ taskq }));
  const mounted = await (await app.request("/sokka/openapi.json")).json();
  expect(mounted.servers).toEqual([{ url: "/sokka" }]);
  expect((await documentOf()).servers).toEqual([{ url: "/" }]);
  expect((await new Validator().validate(mounted)).valid).toBe(true);
  // the first server plus a documented path is a route that answers
  const made = await app.request(`${mounted.servers[0].url}/tasks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(mounted.paths["/tasks"].post.requestBody.content["application/json"].example),
  });
  expect(made.status).toBe(201);
});

it("says what each error means where it is answered: 409 on create, the cross-site 403 on every write, 503 everywhere", async () => {
  const doc = await documentOf();
  expect(doc.paths["/tasks"].post.responses[409].description).toMatch(/already exists/);
  expect(doc.paths["/tasks/{taskId}/cancel"].post.responses[409].description).toMatch(/not in a state/);
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      expect(op.responses[503]?.description, `${method} ${path}`).toMatch(/store-unavailable/);
      if (method !== "get") expect(op.responses[403]?.description, `${method} ${path}`).toMatch(/cross-site-request/);
    }
  }
  expect(doc.paths["/tasks/{taskId}/snooze"].post.responses[403].description).toMatch(/another worker's.*cross-site/);
});

it("the API reference (docs/reference.md) names every route of the document", async () => {
  const doc = await documentOf();
  const reference = readFileSync(new URL("../docs/reference.md", import.meta.url), "utf8");
  const row = reference.split("\n").find((l) => l.startsWith("| `sokkaRoutes({ taskq, maxBodyBytes"))!;
  expect(row).toBeDefined();
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of Object.keys(item as Json)) {
      expect(row, `${method} ${path}`).toContain(`\`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}\``);
    }
  }
});

it("a path of the document asked with a method it does not take is 405 method-not-allowed, its Allow header naming the methods it takes", async () => {
  const doc = await documentOf();
  // the methods each concrete path takes, by the document alone: every path template that matches it
  const templates = Object.entries(doc.paths as Json).map(([path, item]) => ({
    re: new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`),
    methods: Object.keys(item as Json).map((m) => m.toUpperCase()),
  }));
  const methodsOf = (url: string) => {
    const all = new Set(templates.filter((t) => t.re.test(url)).flatMap((t) => t.methods));
    if (all.has("GET")) all.add("HEAD"); // a GET route answers HEAD
    return [...all].sort();
  };
  let checked = 0;
  for (const prefix of ["", "/sokka"]) {
    const { taskq } = fresh();
    const app = prefix ? new Hono().route(prefix, sokkaRoutes({ taskq })) : sokkaRoutes({ taskq });
    const before = JSON.stringify((await taskq.listTasks({})).data);
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      let url = path;
      for (const p of (Object.values(item as Json)[0] as Json).parameters ?? []) {
        if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(p.example));
      }
      const allowed = methodsOf(url);
      expect(allowed.length, url).toBeGreaterThan(0);
      for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
        if (allowed.includes(method)) continue;
        const what = `${method} ${prefix}${url}`;
        const res = await app.request(`${prefix}${url}`, {
          method,
          ...(method === "GET" || method === "HEAD"
            ? {}
            : { headers: { "content-type": "application/json" }, body: "{}" }),
        });
        expect(res.status, what).toBe(405);
        expect(res.headers.get("allow"), what).toBe(allowed.join(", "));
        if (method !== "HEAD") {
          const answer = await res.json();
          expect(answer, what).toEqual({
            error: { type: "method-not-allowed", code: "method-not-allowed", message: expect.stringContaining(method) },
          });
        }
        checked++;
      }
    }
    expect(JSON.stringify((await taskq.listTasks({})).data), "nothing changed").toBe(before);
    // a path no route has stays 404, whatever the method
    for (const method of ["GET", "DELETE"]) {
      const res = await app.request(`${prefix}/tasks/a/b/c`, { method });
      expect(res.status).toBe(404);
      expect(res.headers.get("allow")).toBeNull();
      expect((await res.json()).error.code).toBe("route-not-found");
    }
  }
  expect(checked).toBeGreaterThan(100);
});
