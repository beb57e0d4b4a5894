// The server of the HTTP benchmark (bench/http.mjs runs it in its own process):
// sokkaRoutes on a temp file: database at /sokka, and a bare Hono JSON route
// at /bare that parses the same body and answers 201 JSON, on 127.0.0.1:$PORT.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createTaskQ } from "../dist/mod.js";
import { sokkaRoutes } from "../dist/src/http/mod.js";

const taskq = createTaskQ({ url: process.env.SOKKA_URL });
const app = new Hono();
app.post("/bare", async (c) => c.json({ ok: true, got: await c.req.json() }, 201));
app.route("/sokka", sokkaRoutes({ taskq }));
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT) }, () => console.log("listening"));
process.on("SIGTERM", async () => {
  await taskq.close();
  process.exit(0);
});
