/** Auth is composed from Hono's own middleware, not home-made: unauthenticated requests get 401 for the API and the UI. */
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { bearerAuth } from "hono/bearer-auth";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";

let taskq: TaskQ;
beforeEach(() => {
  taskq = createTaskQ({ url: ":memory:" });
});
afterEach(() => taskq.close());

it("behind bearerAuth: 401 without the token for API and UI, 200 with it", async () => {
  const app = new Hono();
  app.use("/sokka/*", bearerAuth({ token: "s3cret" }));
  app.route("/sokka", sokkaRoutes({ taskq }));
  for (const path of ["/sokka/tasks", "/sokka/ui", "/sokka/ui/tasks"]) {
    expect((await app.request(path)).status, path).toBe(401);
    expect((await app.request(path, { headers: { authorization: "Bearer wrong" } })).status, path).toBe(401);
    expect((await app.request(path, { headers: { authorization: "Bearer s3cret" } })).status, path).toBe(200);
  }
  const post = await app.request("/sokka/tasks", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"topic":"t"}',
  });
  expect(post.status).toBe(401);
  expect((await taskq.listTasks({})).data).toEqual([]);
});

it("behind basicAuth: 401 without credentials, 200 with them", async () => {
  const app = new Hono();
  app.use("/admin/*", basicAuth({ username: "ops", password: "pw" }));
  app.route("/admin", sokkaRoutes({ taskq }));
  expect((await app.request("/admin/ui")).status).toBe(401);
  const ok = await app.request("/admin/ui", { headers: { authorization: `Basic ${btoa("ops:pw")}` } });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain("Topics");
});
