// `npm start` on Node: the demo (examples/demo.mjs) served by @hono/node-server. Port from PORT (default 8787).
import { serve } from "@hono/node-server";
import { banner, createDemo } from "./demo.mjs";

const demo = createDemo({ url: process.env.SOKKA_URL });
const server = serve({ fetch: demo.app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 8787) }, (info) =>
  console.log(banner(info.port)));

const shutdown = async () => {
  server.close();
  await demo.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
