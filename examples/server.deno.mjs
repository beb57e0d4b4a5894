// The demo under Deno: `npm run build && npx deno run -A examples/server.deno.mjs`.
import { banner, createDemo } from "./demo.mjs";

const demo = createDemo({ url: Deno.env.get("SOKKA_URL") });
const server = Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8787), onListen: ({ port }) => console.log(banner(port)) },
  demo.app.fetch,
);
Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  await demo.stop();
  Deno.exit(0);
});
