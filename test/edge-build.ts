/** How wrangler bundles a Worker, shared by the edge bundle check and the workerd run. */
import type { BuildOptions } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** esbuild settings for the `workerd` runtime: platform neutral, Workers' export conditions, one ESM file. */
export const WORKERD_BUILD: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
  // resolves `sokka` and `sokka/http` to this checkout, as the example's own tsconfig does
  tsconfig: "examples/cloudflare/tsconfig.json",
  logLevel: "silent",
};
