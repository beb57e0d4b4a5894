// @ts-check
// Node: `npm start` — the demo (examples/demo.mjs: a TaskQ on an embedded
// file:sokka.db, the API and the dashboard, a worker per demo topic) served
// by @hono/node-server on 127.0.0.1:$PORT (default 8787).
import { serve } from "@hono/node-server";
import { banner, createDemo } from "./demo.mjs";

const port = Number(process.env.PORT ?? 8787);
const demo = createDemo({ url: process.env.SOKKA_URL });
const server = serve({ fetch: demo.app.fetch, hostname: "127.0.0.1", port }, (info) => console.log(banner(info.port)));

let stopping = false;
/** @param {string} line @param {number} code */
const shutdown = async (line, code) => {
  if (stopping) return;
  stopping = true;
  server.close();
  const summary = await demo.stop(); // workers hand their running tasks back, then the store closes
  if (line) console.error(line);
  else console.log(summary);
  process.exit(code);
};

server.on("error", (/** @type {NodeJS.ErrnoException} */ e) => {
  if (e.code === "EADDRINUSE" || e.code === "EACCES") {
    const why = e.code === "EADDRINUSE" ? "is in use" : "needs privileges";
    void shutdown(`port ${port} ${why}; set PORT to another one, e.g. PORT=8788 npm start`, 1);
  } else {
    void shutdown(`cannot serve on 127.0.0.1:${port}: ${e.message}`, 1);
  }
});
process.on("SIGINT", () => void shutdown("", 0));
process.on("SIGTERM", () => void shutdown("", 0));
