// Every TypeScript and JavaScript example of README.md and docs/*.md compiles, as a user's
// strict project would compile it: each fenced ```ts / ```typescript / ```js / ```javascript
// block is written to a file of its own under .doc-examples/ (git-ignored), importing `sokka`
// and `sokka/http` from this checkout's sources (tsconfig `paths`), and checked with
// `tsc --noEmit --strict`. The word after the language picks the environment:
//   (none)       Node: @types/node, as in a Node project (the DOM lib too, as this repository's own tsconfig)
//   cloudflare   Cloudflare Workers: @cloudflare/workers-types, as examples/cloudflare/tsconfig.json
//   deno         Deno: `deno check`, with `jsr:@sokka/sokka` mapped to this checkout's mod.ts
//   no-check     not checked: a deliberate fragment (say why next to it; keep these rare)
// Exits 1, naming the document and line of each error, when any example does not compile.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, ".doc-examples");
const LANGS = { ts: "ts", typescript: "ts", js: "js", javascript: "js" };
const ENVS = ["node", "cloudflare", "deno", "no-check"];

/** The fenced code blocks of a Markdown text: { lang, env, line (of the first code line, 1-based), code }. */
function codeBlocks(text) {
  const blocks = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(```+)\s*(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(fence)) j++;
    blocks.push({ info: open[2].toLowerCase(), flags: open[3].trim(), line: i + 2, code: lines.slice(i + 1, j).join("\n") });
    i = j;
  }
  return blocks;
}

/** The documents whose examples are checked: README.md and every docs/*.md. */
function documents() {
  const docs = readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? 1, text: (r.stdout ?? "") + (r.stderr ?? "") };
}

const examples = [];
for (const doc of documents()) {
  for (const b of codeBlocks(readFileSync(join(root, doc), "utf8"))) {
    const lang = LANGS[b.info];
    if (!lang) continue;
    const env = b.flags === "" ? "node" : b.flags;
    if (!ENVS.includes(env)) throw new Error(`${doc}:${b.line - 1}: unknown marker "${b.flags}" (one of ${ENVS.join(", ")})`);
    examples.push({ doc, lang, env, line: b.line, code: b.code });
  }
}
const checked = examples.filter((e) => e.env !== "no-check");
if (checked.length < 5) throw new Error(`only ${checked.length} examples found: is the extraction broken?`);

rmSync(out, { recursive: true, force: true });
for (const env of ["node", "cloudflare", "deno"]) mkdirSync(join(out, env), { recursive: true });
/** file (relative to the repository) → the example it holds. */
const byFile = new Map();
for (const e of checked) {
  const name = `${e.doc.replace(/[/.]/g, "_")}_L${e.line}.${e.lang === "ts" ? "ts" : "mjs"}`;
  const file = join(out, e.env, name);
  // Every example is a module of its own (top-level await, no shared globals); nothing is put before
  // its first line, so line N of the file is line N of the block.
  writeFileSync(file, `${e.code}\nexport {};\n`);
  byFile.set(relative(root, file), e);
}

const paths = (to) => ({ sokka: [`${to}/mod.ts`], "sokka/http": [`${to}/src/http/mod.ts`] });
const common = {
  target: "ES2022",
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowJs: true,
  checkJs: true,
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: false,
  isolatedModules: true,
  noUncheckedIndexedAccess: false,
};
writeFileSync(
  join(out, "node", "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      ...common,
      lib: ["ES2022", "DOM", "DOM.Iterable"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      types: ["node"],
      paths: paths("../.."),
    },
    include: ["*.ts", "*.mjs"],
  }),
);
writeFileSync(
  join(out, "cloudflare", "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      ...common,
      lib: ["ES2022"],
      module: "ESNext",
      moduleResolution: "Bundler",
      customConditions: ["workerd", "worker", "browser"],
      types: ["@cloudflare/workers-types"],
      paths: paths("../.."),
    },
    include: ["*.ts", "*.mjs"],
  }),
);
writeFileSync(
  join(out, "deno", "deno.json"),
  JSON.stringify({
    imports: { "jsr:@sokka/sokka": "../../mod.ts", "jsr:@sokka/sokka/http": "../../src/http/mod.ts" },
    nodeModulesDir: "manual",
    unstable: ["cron"],
  }),
);

const tsc = join(root, "node_modules/.bin/tsc");
const deno = join(root, "node_modules/.bin/deno");
const failures = [];
const count = (env) => checked.filter((e) => e.env === env).length;
for (const env of ["node", "cloudflare"]) {
  if (!count(env)) continue;
  const r = run(tsc, ["-p", join(out, env, "tsconfig.json"), "--pretty", "false"]);
  if (r.code !== 0) failures.push(r.text);
}
if (count("deno")) {
  const files = [...byFile].filter(([, e]) => e.env === "deno").map(([f]) => f);
  const r = run(deno, ["check", "--quiet", "--config", join(out, "deno", "deno.json"), ...files]);
  if (r.code !== 0) failures.push(r.text);
}

if (failures.length) {
  // Name each error by the document and line it comes from.
  let text = failures.join("\n");
  for (const [file, e] of byFile) {
    const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    text = text.replace(
      new RegExp(`(?:file://)?(?:${esc(root)})?${esc(file)}(?:\\((\\d+),(\\d+)\\)|:(\\d+):(\\d+))`, "g"),
      (_, l1, c1, l2, c2) => `${e.doc}:${e.line + Number(l1 ?? l2) - 1}:${c1 ?? c2} (${file})`,
    );
  }
  console.error(text);
  console.error(`doc examples: some of the ${checked.length} checked examples in README.md and docs/*.md do not compile`);
  process.exit(1);
}
const skipped = examples.length - checked.length;
console.log(
  `doc examples: ${checked.length} compile (${count("node")} Node, ${count("cloudflare")} Cloudflare Workers, ${
    count("deno")
  } Deno)${skipped ? `; ${skipped} marked no-check` : ""}`,
);
