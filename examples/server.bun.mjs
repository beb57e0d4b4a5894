// The demo under Bun: `npm run build && npx bun examples/server.bun.mjs`.
import { banner, createDemo } from "./demo.mjs";

const demo = createDemo({ url: process.env.SOKKA_URL });
const server = Bun.serve({ fetch: demo.app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 8787) });
console.log(banner(server.port));
process.on("SIGTERM", async () => {
  server.stop();
  await demo.stop();
  process.exit(0);
});
