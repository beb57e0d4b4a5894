/**
 * What the routes refuse before they act, through Hono's app.request(): a
 * write a browser sends from another site (every write route of the OpenAPI
 * document and every dashboard form action, each with the request that
 * succeeds without those headers), a `Host` the server is not named by (DNS
 * rebinding), a control character in a dashboard action's path; and the
 * headers that keep the pages out of other sites' frames. Each refusal
 * changes nothing in the store.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTaskQ, type TaskQ, TestClock } from "../mod.ts";
import { sokkaRoutes, type SokkaRoutesOptions } from "../src/http/mod.ts";
import { openApiDocument } from "../src/http/openapi.ts";

type Json = Record<string, any>;
const stores: TaskQ[] = [];
/** Each store's database clock (a setup may define a schedule in the past, so that a slot is due). */
const clocks = new WeakMap<TaskQ, TestClock>();
afterEach(async () => {
  for (const q of stores.splice(0)) await q.close();
});
function fresh(options: Omit<SokkaRoutesOptions, "taskq"> = {}) {
  const clock = new TestClock();
  const taskq = createTaskQ({ url: ":memory:", clock });
  stores.push(taskq);
  clocks.set(taskq, clock);
  return { taskq, app: sokkaRoutes({ taskq, ...options }) };
}

/** Everything a request could change: every task, every topic's counts and pause, every schedule. */
async function snapshot(q: TaskQ): Promise<string> {
  const topics = (await q.topicStats()).map(({ oldestReadyAgeMs: _age, ...rest }) => rest); // (a clock, not state)
  return JSON.stringify([(await q.listTasks({}, { limit: 1000 })).data, topics, await q.listSchedules()]);
}

/** Browsers' headers on a write from a page of another site (app.request's own origin is http://localhost). */
const HOSTILE: Record<string, Record<string, string>> = {
  "a cross-site page": { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  "a same-site page on another port": { origin: "http://localhost:9999", "sec-fetch-site": "same-site" },
  "a cross-site page, Origin withheld": { "sec-fetch-site": "cross-site" },
  "a sandboxed frame (opaque origin)": { origin: "null", "sec-fetch-site": "cross-site" },
  "an older browser (Origin only)": { origin: "https://evil.example" },
};
/** Headers of writes that pass: none (curl), the page's own origin, and its own with Referrer-Policy: no-referrer. */
const FRIENDLY: Record<string, Record<string, string>> = {
  "no Origin, no Sec-Fetch-Site (curl)": {},
  "the same origin": { origin: "http://localhost", "sec-fetch-site": "same-origin" },
  "the same origin, Origin null": { origin: "null", "sec-fetch-site": "same-origin" },
};

/** The state each write operation's example request needs: a task TASK_ID, and the values only that state knows. */
async function setUp(q: TaskQ, operationId: string): Promise<Json> {
  await q.createTask({ topic: "email", taskId: "TASK_ID", taskGroupId: "GROUP_ID" });
  if (operationId === "releaseTask") await q.holdTask("TASK_ID");
  if (operationId === "retryTask") await q.cancelTask("TASK_ID");
  if (operationId === "resumeTopic" || operationId === "resumeTopicNamed") await q.pauseTopic("email");
  if (operationId === "deleteTopicLimits") await q.setTopicLimits("email", { concurrency: 2 });
  if (operationId.endsWith("Schedule")) await q.schedule({ name: "nightly-report", cron: "@daily", topic: "reports" });
  if (operationId === "resumeSchedule") await q.pauseSchedule("nightly-report");
  if (operationId === "fireSchedules") {
    // defined two days back: a slot is due, which a write that passes fires (and a refused one must not)
    clocks.get(q)!.shift(-2 * 86_400_000);
    await q.schedule({ name: "daily", cron: "@daily", topic: "reports" });
    clocks.get(q)!.reset();
  }
  if (operationId === "revokeLease") return { recordVer: (await q.reserveTask("email", "w"))!.recordVer };
  if (["applyWrites", "extendLease", "complete", "fail", "snooze"].includes(operationId)) {
    return { leaseId: (await q.reserveTask("email", "consumer-1"))!.leaseId };
  }
  return {};
}

/** Puts the values the state knows into the example body, wherever the example names them. */
function fill(example: unknown, known: Json): unknown {
  if (Array.isArray(example)) return example.map((x) => fill(x, known));
  if (example && typeof example === "object") {
    return Object.fromEntries(Object.entries(example).map(([k, v]) => [k, k in known ? known[k] : fill(v, known)]));
  }
  return example;
}

interface Write {
  name: string;
  /** POST, PUT or DELETE (the dashboard's: POST). */
  method?: string;
  setUp(q: TaskQ): Promise<Json>;
  url: string;
  /** The body as the route takes it, and its Content-Type. */
  body(known: Json): { type?: string; text?: string };
  /** The status of the request when it passes. */
  ok: number;
}

/** Every write of the JSON API, from the OpenAPI document: its example request, which succeeds as documented. */
function apiWrites(): Write[] {
  const doc = openApiDocument() as Json;
  const writes: Write[] = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json) as [string, Json][]) {
      if (method === "get") continue;
      expect(["post", "put", "delete"]).toContain(method);
      let url = path;
      for (const p of op.parameters ?? []) if (p.in === "path") url = url.replace(`{${p.name}}`, p.example);
      const content = op.requestBody?.content?.["application/json"];
      writes.push({
        name: `${method.toUpperCase()} ${path} (${op.operationId})`,
        method: method.toUpperCase(),
        setUp: (q) => setUp(q, op.operationId),
        url,
        body: (known) =>
          content ? { type: "application/json", text: JSON.stringify(fill(content.example, known)) } : {},
        // a POST that documents 201 creates with its example (its 200: an existing task answered instead)
        ok: method === "post" && op.responses[201]
          ? 201
          : Number(Object.keys(op.responses).find((s) => s.startsWith("2"))),
      });
    }
  }
  return writes;
}

const form = (fields: Record<string, string>) => () => ({
  type: "application/x-www-form-urlencoded",
  text: new URLSearchParams(fields).toString(),
});
/** The state of a schedule's buttons: TASK_ID and a schedule SCHEDULE (paused, for its Resume). */
async function scheduled(q: TaskQ, paused: boolean): Promise<Json> {
  await setUp(q, "");
  await q.schedule({ name: "SCHEDULE", cron: "0 0 1 1 *", topic: "email", paused });
  return {};
}
/** Every form action of the dashboard, by route, with a request that succeeds (a 303 to the page that says so). */
const DASHBOARD: Record<string, Omit<Write, "ok">[]> = {
  "/ui/topics/:topic/:action": [
    { name: "pause a topic", setUp: (q) => setUp(q, ""), url: "/ui/topics/email/pause", body: form({}) },
    { name: "resume a topic", setUp: (q) => setUp(q, "resumeTopic"), url: "/ui/topics/email/resume", body: form({}) },
    {
      name: "remove a topic's limits",
      setUp: async (q) => (await setUp(q, "deleteTopicLimits"), {}),
      url: "/ui/topics/email/remove-limits",
      body: form({}),
    },
  ],
  "/ui/topics/:action{pause|resume|remove-limits}": [
    {
      name: "pause a topic (named in the form)",
      setUp: (q) => setUp(q, ""),
      url: "/ui/topics/pause",
      body: form({ topic: "email" }),
    },
    {
      name: "resume a topic (named in the form)",
      setUp: (q) => setUp(q, "resumeTopic"),
      url: "/ui/topics/resume",
      body: form({ topic: "email" }),
    },
    {
      name: "remove a topic's limits (named in the form)",
      setUp: async (q) => (await setUp(q, "deleteTopicLimits"), {}),
      url: "/ui/topics/remove-limits",
      body: form({ topic: "email", from: "topic" }),
    },
  ],
  "/ui/topics/limits": [
    {
      name: "set a topic's limits",
      setUp: (q) => setUp(q, ""),
      url: "/ui/topics/limits",
      body: form({ topic: "email", concurrency: "3", rateLimit: "10", ratePeriodMs: "1000", from: "topic" }),
    },
  ],
  "/ui/schedules/:action{pause|resume}": [
    {
      name: "pause a schedule",
      setUp: (q) => scheduled(q, false),
      url: "/ui/schedules/pause",
      body: form({ name: "SCHEDULE" }),
    },
    {
      name: "resume a schedule",
      setUp: (q) => scheduled(q, true),
      url: "/ui/schedules/resume",
      body: form({ name: "SCHEDULE" }),
    },
  ],
  "/ui/tasks": [
    { name: "create a task", setUp: (q) => setUp(q, ""), url: "/ui/tasks", body: form({ topic: "email", data: "{}" }) },
  ],
  "/ui/tasks/:taskId/:action": [
    ...["hold", "cancel", "terminate"].map((a) => ({
      name: `${a} a task`,
      setUp: (q: TaskQ) => setUp(q, ""),
      url: `/ui/tasks/TASK_ID/${a}`,
      body: form({}),
    })),
    { name: "fail a task", setUp: (q) => setUp(q, ""), url: "/ui/tasks/TASK_ID/fail", body: form({ reason: "r" }) },
    { name: "release a task", setUp: (q) => setUp(q, "releaseTask"), url: "/ui/tasks/TASK_ID/release", body: form({}) },
    { name: "retry a task", setUp: (q) => setUp(q, "retryTask"), url: "/ui/tasks/TASK_ID/retry", body: form({}) },
    {
      name: "revoke a lease",
      setUp: (q) => setUp(q, "revokeLease"),
      url: "/ui/tasks/TASK_ID/revoke",
      body: (known) => form({ recordVer: String(known.recordVer) })(),
    },
  ],
};
const dashboardWrites = (): Write[] => Object.values(DASHBOARD).flat().map((w) => ({ ...w, ok: 303 }));

/** Sends `write` with `headers` to a fresh store; returns the answer, and whether the store changed. */
async function send(write: Write, headers: Record<string, string>, bodyType?: string, options = {}) {
  const { taskq, app } = fresh(options);
  const known = await write.setUp(taskq);
  const before = await snapshot(taskq);
  const { type, text } = write.body(known);
  const res = await app.request(write.url, {
    method: write.method ?? "POST",
    headers: { ...(bodyType ?? type ? { "content-type": (bodyType ?? type)! } : {}), ...headers },
    ...(text === undefined ? {} : { body: text }),
  });
  const body = await res.text();
  return { status: res.status, body, changed: (await snapshot(taskq)) !== before };
}

describe("cross-site writes", () => {
  it("the dashboard's form actions are exactly the routes this test sends", () => {
    const routes = [
      ...new Set(fresh().app.routes.filter((r) => r.method === "POST" && r.path.startsWith("/ui")).map((r) => r.path)),
    ];
    expect(routes.sort()).toEqual(Object.keys(DASHBOARD).sort());
  });

  it("every write of the API and the dashboard passes with no browser headers, or from its own origin", async () => {
    const writes = [...apiWrites(), ...dashboardWrites()];
    expect(writes.length).toBeGreaterThan(20);
    for (const write of writes) {
      for (const [who, headers] of Object.entries(FRIENDLY)) {
        const r = await send(write, headers);
        expect(r.status, `${write.name} from ${who}: ${r.body}`).toBe(write.ok);
        // a slot was due: the fire that passes makes its task (so a refused one that makes none says something)
        if (write.name.includes("(fireSchedules)")) expect([r.changed, JSON.parse(r.body).fired]).toEqual([true, 1]);
      }
    }
  });

  it("every write of the API and the dashboard is refused from another site, JSON or text body, and changes nothing", async () => {
    const writes = [...apiWrites(), ...dashboardWrites()];
    for (const write of writes) {
      for (const [who, headers] of Object.entries(HOSTILE)) {
        // as the example sends it, and as `fetch(…, { mode: "no-cors" })` would (a text/plain body)
        for (const bodyType of [undefined, "text/plain;charset=UTF-8"]) {
          const r = await send(write, headers, bodyType);
          const what = `${write.name} from ${who} (${bodyType ?? "its own body"})`;
          expect(r.status, `${what}: ${r.body}`).toBe(403);
          expect(JSON.parse(r.body), what).toMatchObject({
            error: {
              type: "forbidden",
              code: "cross-site-request",
              message: expect.stringMatching(/another site.*allowedOrigins/),
            },
          });
          expect(r.changed, `${what} changed the store`).toBe(false);
        }
      }
    }
  });

  it("allowedOrigins lets the pages of the named origins write, and no other", async () => {
    const options = { allowedOrigins: ["https://Admin.example.com/"] }; // stored as a browser sends it
    const admin = { origin: "https://admin.example.com", "sec-fetch-site": "cross-site" };
    const other = { origin: "https://admin.example.com:8443", "sec-fetch-site": "cross-site" };
    for (const write of [...apiWrites(), ...dashboardWrites()]) {
      const allowed = await send(write, admin, undefined, options);
      expect(allowed.status, `${write.name}: ${allowed.body}`).toBe(write.ok);
      const refused = await send(write, other, undefined, options);
      expect([refused.status, refused.changed], write.name).toEqual([403, false]);
    }
  });
});

describe("the Host check (allowedHosts)", () => {
  const rebinding = {
    host: "rebind.attacker.example:8787",
    origin: "http://rebind.attacker.example:8787",
    "sec-fetch-site": "same-origin", // to the browser, the rebound name is the page's own origin
  };
  const at = (host: string) => `http://${host}/`;

  it("refuses a rebinding Host on reads and writes, API and dashboard, and changes nothing", async () => {
    const { taskq, app } = fresh({ allowedHosts: ["queue.example.com"] });
    await taskq.createTask({ topic: "email", taskId: "TASK_ID" });
    const before = await snapshot(taskq);
    const requests: [string, string][] = [
      ["GET", "/tasks"],
      ["GET", "/tasks/TASK_ID"],
      ["GET", "/topics"],
      ["GET", "/metrics"],
      ["GET", "/ui"],
      ["GET", "/ui/tasks/TASK_ID"],
      ["POST", "/topics/email/pause"],
      ["POST", "/tasks/TASK_ID/hold"],
      ["POST", "/ui/topics/email/pause"],
      ["POST", "/ui/tasks/TASK_ID/cancel"],
    ];
    for (const [method, path] of requests) {
      const res = await app.request(`http://rebind.attacker.example:8787${path}`, { method, headers: rebinding });
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBe(403);
      expect(JSON.parse(text).error).toMatchObject({ type: "forbidden", code: "host-not-allowed" });
      expect(text).not.toContain("TASK_ID");
    }
    expect(await snapshot(taskq)).toBe(before);
  });

  it("answers the names it is given (any case, any port, a trailing dot), localhost and IP addresses", async () => {
    const { taskq, app } = fresh({ allowedHosts: ["queue.example.com"] });
    await taskq.createTask({ topic: "email", taskId: "TASK_ID" });
    for (
      const host of [
        "queue.example.com",
        "QUEUE.Example.com:8787",
        "queue.example.com.",
        "localhost:8787",
        "127.0.0.1:8787",
        "[::1]:8787",
        "10.1.2.3",
        "[2001:db8::1]:443",
      ]
    ) {
      const res = await app.request(`${at(host)}tasks/TASK_ID`, { headers: { host } });
      expect(res.status, `${host}: ${await res.clone().text()}`).toBe(200);
      const write = await app.request(`${at(host)}topics/email/pause`, { method: "POST", headers: { host } });
      expect(write.status, host).toBe(204);
    }
    for (
      const host of [
        "rebind.attacker.example",
        "queue.example.com.attacker.example",
        "sub.queue.example.com",
        "localhost.attacker.example",
        "evil.example@localhost",
        "localhost/evil",
        "",
      ]
    ) {
      const res = await app.request("/tasks/TASK_ID", { headers: { host } });
      expect(res.status, JSON.stringify(host)).toBe(403);
    }
  });

  it("without allowedHosts there is no Host check (the app it is mounted in decides)", async () => {
    const { taskq, app } = fresh();
    await taskq.createTask({ topic: "email", taskId: "TASK_ID" });
    const res = await app.request("http://rebind.attacker.example:8787/tasks/TASK_ID", {
      headers: { host: "rebind.attacker.example:8787" },
    });
    expect(res.status).toBe(200);
  });
});

describe("the pages' headers", () => {
  it("/ui, its pages, its error pages and /docs forbid framing; their CSP runs exactly the page's own script", async () => {
    const { taskq, app } = fresh();
    await taskq.createTask({ topic: "email", taskId: "TASK_ID" });
    for (const path of ["/ui", "/ui/tasks", "/ui/tasks/TASK_ID", "/ui/new", "/ui/tasks/nope", "/docs"]) {
      const res = await app.request(path);
      const html = await res.text();
      expect(res.status, path).toBe(path === "/ui/tasks/nope" ? 404 : 200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
      const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
      expect(directives.get("default-src"), path).toEqual(["'none'"]);
      // the hash of each inline script of the page, and nothing else, may run
      const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
      expect(html.match(/<script/g)?.length ?? 0, path).toBe(scripts.length);
      const hashes = await Promise.all(scripts.map(async (s) => {
        const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
        return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
      }));
      expect(directives.get("script-src"), path).toEqual(hashes.length ? hashes : ["'none'"]);
    }
  });
});

describe("control characters in a dashboard action's path", () => {
  it("are 400 and write nothing, whatever task or topic the id names or would be cut to", async () => {
    const { taskq, app } = fresh();
    await taskq.createTasks([
      { topic: "email", taskId: "a" },
      { topic: "email", taskId: "X" },
    ]);
    // the store may refuse such an id itself; when it takes one, the dashboard still must not act on it
    for (const id of ["a\r\nX", "a\0X", "a\nX"]) await taskq.createTask({ topic: "email", taskId: id }).catch(() => {});
    await taskq.createTask({ topic: "a\r\nX", taskId: "in-crlf-topic" }).catch(() => {});
    const before = await snapshot(taskq);
    const same = { origin: "http://localhost", "sec-fetch-site": "same-origin" };
    const paths = [
      ...["hold", "cancel", "terminate", "fail", "revoke", "release", "retry"].map((a) => `/ui/tasks/a%0D%0AX/${a}`),
      "/ui/tasks/a%0AX/hold",
      "/ui/tasks/a%00X/hold",
      "/ui/tasks/a%7FX/hold",
      "/ui/tasks/a%C2%85X/hold", // U+0085, a C1 control
      "/ui/topics/a%0D%0AX/pause",
      "/ui/topics/a%0D%0AX/resume",
    ];
    for (const path of paths) {
      const res = await app.request(path, {
        method: "POST",
        headers: { ...same, "content-type": "application/x-www-form-urlencoded" },
        body: "reason=r&recordVer=1",
      });
      const html = await res.text();
      expect(res.status, `${path}: ${html.slice(0, 300)}`).toBe(400);
      expect(html, path).toContain(
        path.includes("/topics/")
          ? "topic must not contain control characters"
          : "taskId must not contain control characters",
      );
    }
    expect(await snapshot(taskq)).toBe(before);
    // pages on such a path (and the refusals above) still link to the dashboard itself
    for (const path of ["/ui/tasks/a%0D%0AX", "/ui/groups/a%0D%0AX", "/ui/tasks/a%0D%0AX/hold"]) {
      const res = await app.request(path, { method: path.endsWith("hold") ? "POST" : "GET" });
      expect(res.status, path).toBeLessThan(500);
      expect(await res.text(), path).toContain('<a href="/ui/tasks">Tasks</a>');
    }
  });
});

describe("options", () => {
  it("refuses a malformed origin or host name, and a misspelt key with the closest one", () => {
    const taskq = createTaskQ({ url: ":memory:" });
    stores.push(taskq);
    const refusal = (options: Json) => {
      try {
        sokkaRoutes({ taskq, ...options } as SokkaRoutesOptions);
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(refusal({ allowedOrigins: ["https://admin.example.com/path"] })).toMatch(
      /allowedOrigins\.0 must be an origin such as/,
    );
    expect(refusal({ allowedOrigins: "https://admin.example.com" })).toMatch(/allowedOrigins must be an array/);
    for (const bad of ["https://queue.example.com", "queue.example.com:8787", "queue.example.com/x", "a b"]) {
      expect(refusal({ allowedHosts: [bad] }), bad).toMatch(/allowedHosts\.0 must be a host name such as/);
    }
    expect(refusal({ allowedOrigin: [] })).toMatch(/allowedOrigin is not a field .*did you mean "allowedOrigins"/);
    expect(refusal({ allowedHost: [] })).toMatch(/did you mean "allowedHosts"/);
    expect(refusal({ allowedOrigins: ["http://localhost:5173"], allowedHosts: ["queue.example.com", "[::1]"] }))
      .toBe("accepted");
  });
});
