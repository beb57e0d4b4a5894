/**
 * Edge bundles, built the way wrangler builds a Worker (esbuild, platform
 * neutral, conditions workerd/worker/browser): the Cloudflare example must not
 * reach for a `node:` builtin or the native libSQL binding, and a worker-only
 * program must not pull in Hono or the dashboard.
 */
import { build, type Metafile } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WORKERD_BUILD } from "./edge-build.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

async function bundle(entry: { path: string } | { contents: string }) {
  const result = await build({
    ...("path" in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents, resolveDir: root, loader: "ts" } }),
    ...WORKERD_BUILD,
    write: false,
    metafile: true,
    // as wrangler does: builtins stay imports in the bundle (and land in the metafile) instead of failing the build
    external: ["node:*", ...NODE_BUILTINS],
  });
  return { code: result.outputFiles[0].text, meta: result.metafile as Metafile };
}

const inputs = (meta: Metafile) => Object.keys(meta.inputs);
const imports = (meta: Metafile) => Object.values(meta.inputs).flatMap((i) => i.imports.map((x) => x.path));
/** What must never be in an edge bundle: Node builtins, the native libSQL driver and its platform binaries. */
const NODE_BUILTINS = [
  "fs",
  "path",
  "os",
  "crypto",
  "child_process",
  "net",
  "tls",
  "http",
  "https",
  "stream",
  "worker_threads",
  "module",
];
const FORBIDDEN = [
  /^node:/,
  new RegExp(`^(${NODE_BUILTINS.join("|")})$`),
  /^libsql$/,
  /node_modules\/libsql\//,
  /@libsql\/(linux|darwin|win32)-/,
  /\.node$/,
  /@libsql\/client\/lib-esm\/(node|sqlite3)\.js$/,
];

function expectEdgeSafe(code: string, meta: Metafile) {
  const offenders = [...inputs(meta), ...imports(meta)].filter((p) => FORBIDDEN.some((re) => re.test(p)));
  expect(offenders).toEqual([]);
  for (const b of NODE_BUILTINS) {
    expect(code).not.toMatch(
      new RegExp(`from\\s*["'](node:)?${b}["']|require\\(["'](node:)?${b}["']\\)|import\\(["'](node:)?${b}["']\\)`),
    );
  }
  // the bundle is self-contained: nothing left for the runtime to resolve
  expect(code).not.toMatch(/^\s*import\s[^;]*from\s*["'][^"']+["']/m);
}

describe("edge bundles (workerd conditions)", () => {
  it("the Cloudflare example bundles with the web client of libSQL and no node: builtins", async () => {
    const { code, meta } = await bundle({ path: "examples/cloudflare/worker.ts" });
    expectEdgeSafe(code, meta);
    const files = inputs(meta);
    expect(files).toContain("node_modules/@libsql/client/lib-esm/web.js");
    expect(files.some((f) => f.startsWith("src/http/ui/"))).toBe(true); // it mounts the routes, dashboard included
    expect(files).toContain("src/worker/drain.ts");
  });

  it("the D1 example bundles with no node: builtins and no native driver, the D1 driver and drain() in it", async () => {
    const { code, meta } = await bundle({ path: "examples/cloudflare/d1-worker.ts" });
    expectEdgeSafe(code, meta);
    const files = inputs(meta);
    expect(files).toContain("src/drivers/d1.ts");
    expect(files).toContain("src/worker/query-budget.ts");
    expect(files.some((f) => f.startsWith("src/http/ui/"))).toBe(true);
  });

  it("the Durable Object example bundles with its driver and alarm helpers and no node: builtins", async () => {
    const { code, meta } = await bundle({ path: "examples/cloudflare/durable-object.ts" });
    expectEdgeSafe(code, meta);
    const files = inputs(meta);
    expect(files).toContain("src/drivers/durable-object.ts");
    expect(files).toContain("src/drivers/durable-object-alarm.ts");
    expect(files.some((f) => f.startsWith("src/http/ui/"))).toBe(true); // the object serves the routes and dashboard
  });

  it("a worker-only program pulls in neither Hono nor the routes and dashboard", async () => {
    const { code, meta } = await bundle({
      contents: `
        import { createClient } from "@libsql/client/web";
        import { createTaskQ, drain, ok } from "sokka";
        export default {
          async scheduled() {
            const taskq = createTaskQ({ client: createClient({ url: "libsql://db.example.turso.io" }) });
            await drain({ taskq, topic: "t", pfn: () => ok() });
          },
        };
      `,
    });
    expectEdgeSafe(code, meta);
    const files = inputs(meta);
    expect(files.filter((f) => f.startsWith("src/http/") || f.includes("node_modules/hono/"))).toEqual([]);
    expect(files).toContain("src/worker/drain.ts");
  });

  it("the check itself catches a node: builtin and the native driver", async () => {
    const { code, meta } = await bundle({
      contents:
        `import { readFileSync } from "node:fs"; import * as native from "libsql"; export { readFileSync, native };`,
    });
    expect(() => expectEdgeSafe(code, meta)).toThrow();
    const offenders = [...inputs(meta), ...imports(meta)].filter((p) => FORBIDDEN.some((re) => re.test(p)));
    expect(offenders).toEqual(expect.arrayContaining(["node:fs", "node_modules/libsql/index.js"]));
  });
});
