// @ts-check
// Node: `npm start` — the demo (examples/demo.mjs: a TaskQ on an embedded
// file:sokka.db, the API and the dashboard, a worker per demo topic) served
// by @hono/node-server on 127.0.0.1:$PORT (default 8787).
import { serve } from "@hono/node-server";
import { banner, createDemo } from "./demo.mjs";

const demo = createDemo({ url: process.env.SOKKA_URL });
const server = serve(
  { fetch: demo.app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 8787) },
  (info) => console.log(banner(info.port)),
);

const shutdown = async () => {
  server.close();
  await demo.stop(); // workers hand their leases back, then the store closes
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
