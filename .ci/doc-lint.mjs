// `deno doc --lint` on every entry point (what JSR renders), failing on any
// finding except the two references to other packages' types that cannot be
// documented here: @libsql/client's `Client`, hono's `Hono` and the Standard Schema
// specification's `StandardSchemaV1` (what `defineTask` takes).
import { spawnSync } from "node:child_process";

const ENTRIES = ["mod.ts", "src/http/mod.ts"];
const ALLOWED = [/private-type-ref\]: public type '.*' references private type '(Client|Hono|StandardSchemaV1(\.\w+)?)'$/];

const run = spawnSync("npx", ["deno", "doc", "--lint", ...ENTRIES], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
const findings = (run.stdout + run.stderr).split("\n").filter((l) => /^error\[/.test(l));
const bad = findings.filter((l) => !ALLOWED.some((re) => re.test(l)));
if (bad.length) {
  console.error(run.stdout + run.stderr);
  console.error(`deno doc --lint: ${bad.length} finding(s) not allowed`);
  process.exit(1);
}
console.log(`deno doc --lint: ${findings.length} allowed finding(s) (other packages' types), nothing else`);
