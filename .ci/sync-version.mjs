// Copies package.json's version into jsr.json, deno.json and src/version.ts: package.json is the one
// source. `npm version <x>` runs it (the "version" script) before it commits, so a release bumps all four.
import { readFileSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const read = (f) => readFileSync(new URL(f, root), "utf8");
const { version } = JSON.parse(read("package.json"));
for (const f of ["jsr.json", "deno.json"]) {
  writeFileSync(new URL(f, root), read(f).replace(/("version":\s*)"[^"]*"/, `$1"${version}"`));
}
writeFileSync(
  new URL("src/version.ts", root),
  read("src/version.ts").replace(/export const VERSION = "[^"]*";/, `export const VERSION = "${version}";`),
);
console.log(`version ${version}: jsr.json, deno.json, src/version.ts`);
