// @ts-check
// Node: `npm start` — the demo (examples/demo.mjs: a TaskQ on an embedded
// file:sokka.db, the API and the dashboard, a worker per demo topic) served
// by @hono/node-server on 127.0.0.1:$PORT (default 8787). It answers to
// localhost and IP addresses, and to the host names listed in
// SOKKA_ALLOWED_HOSTS; pages of the origins listed in SOKKA_ALLOWED_ORIGINS
// may send writes (both comma-separated).
import { serve } from "@hono/node-server";
import { banner, createDemo } from "./demo.mjs";

const port = Number(process.env.PORT ?? 8787);
/** @param {string | undefined} text */
const list = (text) => (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
/** @type {ReturnType<typeof createDemo>} */
let demo;
try {
  demo = createDemo({
    url: process.env.SOKKA_URL,
    allowedHosts: list(process.env.SOKKA_ALLOWED_HOSTS),
    allowedOrigins: list(process.env.SOKKA_ALLOWED_ORIGINS),
  });
} catch (e) {
  if (/** @type {{ code?: string }} */ (e).code !== "invalid-options") throw e;
  console.error(/** @type {Error} */ (e).message); // names the refused entry of SOKKA_ALLOWED_HOSTS / _ORIGINS
  process.exit(2);
}
const server = serve(
  { fetch: demo.app.fetch, hostname: "127.0.0.1", port },
  (info) => console.log(banner(info.port, demo.url)),
);

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
