/**
 * The README and the guides under docs/ stand alone and match the code: the
 * table of error codes (docs/reference.md) is exactly the codes the code can
 * throw, together they document every public function and every option, their
 * images ship with the package, every guide is linked from the README, every
 * link inside the repository lands on a file and heading that exist, and none
 * points outside it except to a standard, a dependency's docs or a cited issue.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as sokka from "../mod.ts";
import { createTaskQ, drain, ERROR_CODES, HTTP_STATUS, ok, TaskError, worker } from "../mod.ts";
import * as http from "../src/http/mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const guides = readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`);
/** README.md and every guide, by path. */
const docs = new Map(["README.md", ...guides].map((path) => [path, read(path)]));
const all = [...docs.values()].join("\n");
const readme = docs.get("README.md")!;
const pkg = JSON.parse(read("package.json"));
const jsr = JSON.parse(read("jsr.json"));
const deno = JSON.parse(read("deno.json"));

/**
 * Where a document may point outside the repository, and why. Anything else is
 * refused: the docs must stand alone. URLs inside code (examples, curl lines)
 * are not pointers and are not checked.
 */
const OUTSIDE: [RegExp, string][] = [
  [/^https:\/\/sqlite\.org\//, "SQLite's own documentation (a dependency)"],
  [/^https:\/\/valibot\.dev\//, "valibot's documentation (a dependency)"],
  [/^https:\/\/github\.com\/tj\/commander\.js\/?$/, "commander's documentation (a dependency)"],
  [/^https:\/\/hono\.dev\//, "Hono's documentation (a dependency)"],
  [/^https:\/\/github\.com\/Hexagon\/croner\/?$/, "croner's documentation (a dependency)"],
  [/^https:\/\/github\.com\/tursodatabase\/libsql\/(issues|pull)\/\d+$/, "a cited libSQL issue"],
  [/^https:\/\/(www\.rfc-editor\.org|datatracker\.ietf\.org|spec\.openapis\.org)\//, "a standard"],
  [/^http:\/\/(127\.0\.0\.1|localhost)[:/]/, "the local demo server"],
];

/** Prose only: fenced blocks and inline code removed (line count kept). */
function prose(md: string): string {
  return md.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, "")).replace(/`[^`\n]*`/g, "``");
}

/** Every pointer of a document's prose: Markdown links and images, autolinks, bare URLs. */
function pointers(md: string): string[] {
  const text = prose(md);
  const found = [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
  found.push(...[...text.matchAll(/<(https?:\/\/[^>\s]+)>/g)].map((m) => m[1]));
  const bare = text.replace(/!?\[[^\]]*\]\([^)]*\)/g, "").replace(/<https?:\/\/[^>\s]+>/g, "");
  found.push(...[...bare.matchAll(/https?:\/\/[^\s)>\]*]+/g)].map((m) => m[0]));
  return found;
}

/** GitHub's anchors of a Markdown text's headings. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(md.replace(/`([^`\n]*)`/g, "$1")).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The rows of the "Error codes" table of docs/reference.md: code → [type, status]. */
function codeTable(): Map<string, [string, number]> {
  const section = docs.get("docs/reference.md")!.split("## Error codes")[1].split("\n## ")[0];
  const rows = new Map<string, [string, number]>();
  for (const m of section.matchAll(/^\| `([a-z-]+)` \| `([a-z-]+)` \| (\d{3}) \|/gm)) rows.set(m[1], [m[2], +m[3]]);
  return rows;
}

describe("README and docs/", () => {
  it("stand alone: no in-house words", () => {
    for (const [path, text] of docs) {
      for (const word of ["API.md", "the seed", "the contract", "surpassing", "../shared"]) {
        expect(text, `${path}: ${word}`).not.toContain(word);
      }
    }
  });

  it("point outside the repository only to a standard, a dependency's docs or a cited issue", () => {
    const outside: string[] = [];
    for (const [path, text] of docs) {
      for (const target of pointers(text)) {
        if (!/^[a-z]+:/i.test(target)) continue;
        outside.push(target);
        expect(OUTSIDE.some(([re]) => re.test(target)), `${path}: ${target} points outside the repository`).toBe(true);
      }
    }
    expect(outside.length).toBeGreaterThan(0); // the check sees links at all
  });

  it("link only to files and headings that exist in the repository", () => {
    let checked = 0;
    for (const [path, text] of docs) {
      for (const target of pointers(text)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [file, anchor] = target.split("#");
        const to = file ? join(dirname(join(root, path)), decodeURIComponent(file)) : join(root, path);
        expect(relative(root, to).startsWith(".."), `${path}: ${target} leaves the repository`).toBe(false);
        expect(existsSync(to), `${path}: ${target}`).toBe(true);
        if (anchor) expect(anchors(readFileSync(to, "utf8")), `${path}: ${target}`).toContain(anchor);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("README links every guide, and the guides ship in the npm and JSR packages", () => {
    expect(guides.length).toBeGreaterThan(5);
    for (const guide of guides) expect(pointers(readme), guide).toContain(guide);
    expect(pkg.files, "package.json files").toContain("docs/*.md");
    expect(jsr.publish.include, "jsr.json publish.include").toContain("docs/*.md");
    expect(deno.publish.include, "deno.json publish.include").toContain("docs/*.md");
  });

  it("README's first section keeps the two set-up commands", () => {
    const first = readme.split("\n## ")[1];
    expect(first.startsWith("Set-up")).toBe(true);
    expect(first).toContain("npm install && npm start");
    expect(first).toContain("npm install && npm test");
  });

  it("its table of error codes is exactly ERROR_CODES, with each code's type and HTTP status", () => {
    const table = codeTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, type] of Object.entries(ERROR_CODES)) {
      expect(table.get(code), code).toEqual([type, HTTP_STATUS[type]]);
    }
  });

  it("every error code written anywhere in the source is in that table", () => {
    const used = new Set<string>();
    for (const file of sourceFiles(join(root, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/new TaskError\(\s*"[a-z-]+",\s*"([a-z-]+)"/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bcode: (?:[^"\n]*\? )?"([a-z-]+)"/g)) used.add(m[1]);
      for (const m of text.matchAll(/"(invalid-[a-z]+)"\)/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(10);
    const table = codeTable();
    for (const code of used) expect(table.has(code), `${code} is thrown but not in the README's table`).toBe(true);
  });

  it("documents every public function of both entry points", () => {
    const values = [...Object.keys(sokka), ...Object.keys(http)];
    expect(values.length).toBeGreaterThan(15);
    for (const name of values) expect(all, name).toContain(`\`${name}`);
  });

  it("documents every option and task field (the lists the code itself gives for an unknown key)", async () => {
    /** The known fields a refusal of an unknown key lists. */
    const known = async (f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        return (e as TaskError).message.split("known: ")[1].split(", ");
      }
      throw new Error("no refusal");
    };
    const taskq = createTaskQ({ url: ":memory:" });
    const w = worker({ taskq, topic: "t", pfn: () => ok() });
    const lists = {
      createTaskQ: await known(() => createTaskQ({ _: 1 } as never)),
      worker: await known(() => worker({ _: 1 } as never)),
      drain: await known(() => drain({ _: 1 } as never)),
      stop: await known(() => w.stop({ _: 1 } as never)),
      sokkaRoutes: await known(() => http.sokkaRoutes({ _: 1 } as never)),
      taskDef: await known(() => taskq.createTask({ topic: "t", _: 1 } as never)),
    };
    await w.stop();
    await taskq.close();
    for (const [what, fields] of Object.entries(lists)) {
      expect(fields.length, what).toBeGreaterThan(1);
      for (const f of fields) expect(all, `${what}: ${f}`).toContain(`\`${f}\``);
    }
  });

  it("their images ship in the npm and JSR packages and are linked by relative paths", () => {
    let images = 0;
    for (const [path, text] of docs) {
      for (const m of prose(text).matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
        const file = relative(root, join(dirname(join(root, path)), m[1]));
        expect(m[1], `${path}: an image from outside the repository`).not.toMatch(/^[a-z]+:/i);
        expect(file, `${path}: ${m[1]}`).toMatch(/^docs\/[^/]+\.png$/);
        expect(statSync(join(root, file)).isFile(), file).toBe(true);
        images++;
      }
    }
    expect(images).toBeGreaterThan(0);
    expect(pkg.files, "package.json files").toContain("docs/*.png");
    expect(jsr.publish.include, "jsr.json publish.include").toContain("docs/*.png");
    expect(deno.publish.include, "deno.json publish.include").toContain("docs/*.png");
  });
});
