/**
 * Random bodies and query strings thrown at every route (fast-check): never
 * a 500, and a 4xx never writes anything.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { isValidName, nameLike } from "./names.ts";

let taskq: TaskQ;
let app: ReturnType<typeof sokkaRoutes>;
beforeAll(async () => {
  taskq = createTaskQ({ url: ":memory:", maxDataBytes: 2000 });
  app = sokkaRoutes({ taskq, maxBodyBytes: 8192 });
  await taskq.createTasks([{ topic: "t", taskId: "a" }, { topic: "t", taskId: "b" }]);
  await taskq.reserveTask("t", "p");
});
afterAll(() => taskq.close());

/** Everything in the store, to compare before and after a refused request. */
const state = async () => JSON.stringify((await taskq.listTasks({}, { limit: 1000 })).data);

const routes = [
  ["POST", "/tasks"],
  ["POST", "/tasks/a/revoke"],
  ["POST", "/topics/t/reserve"],
  ["POST", "/tasks/a/extend"],
  ["POST", "/tasks/a/complete"],
  ["POST", "/tasks/a/fail"],
  ["POST", "/tasks/a/snooze"],
  ["POST", "/writes"],
  ["GET", "/tasks"],
  ["GET", "/tasks/a"],
  ["GET", "/groups/a/tasks"],
] as const;

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const fieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, "", "p", "t", -1, 0, 2 ** 31, 2 ** 53, 1e308),
  jsonValue,
  nameLike, // control characters, outer whitespace, lone surrogates
);
const fields = [
  "topic",
  "pid",
  "leaseId",
  "leaseTimeMs",
  "snoozeTime",
  "errorMessage",
  "recordVer",
  "taskId",
  "data",
  "timeoutMs",
  "subTopic",
  "n",
  "writes",
  // typos and options this version does not have: refused by name
  "leaseid",
  "topik",
  "priority",
  "runAt",
];
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...fields), fieldValue).map((o) => JSON.stringify(o)),
  jsonValue.map((v) => JSON.stringify(v)),
  fc.string(), // mostly not JSON at all
);
const query = fc.dictionary(
  fc.constantFrom("topic", "subTopic", "status", "from", "to", "limit", "cursor", "order", "staus"),
  fc.oneof(
    fc.string(),
    fc.integer().map(String),
    fc.constantFrom("starting", "running", "-1", "1e9", "99999999999999999999"),
  ),
).map((o) => new URLSearchParams(o).toString());
/** A path segment; a lone surrogate has no URL form (encodeURIComponent throws), so none is made of one. */
const segment = fc.oneof(
  fc.constantFrom("a", "b", "nope", ""),
  fc.string({ maxLength: 300 }),
  nameLike.filter((s) => !/\p{Cs}/u.test(s)),
).map(encodeURIComponent);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "application/x-www-form-urlencoded",
      "text/plain",
      "multipart/form-data; boundary=x",
      null,
    ),
  },
);

it("no request gets a 500, a 4xx names what is wrong and changes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      body,
      query,
      segment,
      contentType,
      async ([method, path], b, q, seg, type) => {
        const url = (path.replace("/a", seg ? `/${seg}` : "/a")) + (method === "GET" ? `?${q}` : "");
        const before = await state();
        const res = await app.request(
          url,
          method === "POST" ? { method, headers: type ? { "content-type": type } : {}, body: b } : {},
        );
        expect(res.status, `${method} ${url} ${b}`).toBeLessThan(500);
        if (res.status >= 400) {
          const e = await res.json();
          expect(typeof e.error.type).toBe("string");
          expect(typeof e.error.code).toBe("string");
          // a validation refusal names each refused field in its message
          for (const issue of e.error.issues ?? []) if (issue.path) expect(e.error.message).toContain(`${issue.path} `);
          if (res.status === 415) expect(type ?? "").not.toMatch(/^application\/json/);
          expect(await state()).toBe(before);
        }
      },
    ),
    { numRuns: 800 },
  );
});

/** Where a request carries a name, and the field a refusal must name. */
const namePlaces: [field: string, request: (name: string) => [path: string, body?: unknown]][] = [
  ["topic", (x) => ["/tasks", { topic: x }]],
  ["subTopic", (x) => ["/tasks", { topic: "t", subTopic: x }]],
  ["taskId", (x) => ["/tasks", { topic: "t", taskId: x }]],
  ["taskGroupId", (x) => ["/tasks", { topic: "t", taskGroupId: x }]],
  ["pid", (x) => ["/topics/t/reserve", { pid: x }]],
  ["leaseId", (x) => ["/tasks/a/extend", { pid: "p", leaseId: x }]],
  ["writes.0.taskId", (x) => ["/writes", { writes: [{ op: "extendLease", taskId: x, pid: "p", leaseId: "l" }] }]],
  ["topic", (x) => ["/prune", { olderThanMs: 0, statuses: ["cancelled"], topic: x }]],
  ["topic", (x) => [`/tasks?topic=${encodeURIComponent(x)}`]],
  ["taskId", (x) => [`/tasks/${encodeURIComponent(x)}`]],
  ["taskGroupId", (x) => [`/groups/${encodeURIComponent(x)}/tasks`]],
  ["topic", (x) => [`/topics/${encodeURIComponent(x)}/pause`, {}]],
  ["taskId", (x) => [`/tasks/${encodeURIComponent(x)}/hold`, {}]],
];

it("a random name anywhere a request carries one is a 400 naming the field exactly when the rule refuses it", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...namePlaces), nameLike, async ([field, request], name) => {
      const inUrl = !["/tasks", "/topics/t/reserve", "/tasks/a/extend", "/writes", "/prune"].includes(request("x")[0]);
      if (inUrl && /\p{Cs}/u.test(name)) return; // no URL form
      const [path, body] = request(name);
      const before = await state();
      const res = await app.request(
        path,
        body === undefined
          ? {}
          : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
      );
      const what = `${path} ${JSON.stringify(body)}: ${JSON.stringify(name)}`;
      expect(res.status, what).toBeLessThan(500);
      if (isValidName(name)) {
        expect(res.status, what).not.toBe(400); // 200, 404, 409 …: not a refusal
        return;
      }
      if (inUrl && name === "") return; // an empty path segment: another route, or none (404)
      expect(res.status, what).toBe(400);
      expect((await res.json()).error.issues[0].path, what).toBe(field);
      expect(await state(), what).toBe(before);
    }),
    { numRuns: 600 },
  );
});
