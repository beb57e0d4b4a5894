/**
 * The README stands alone and matches the code: its table of error codes is
 * exactly the codes the code can throw, it documents every public function
 * and every option, its images ship with the package, and it points to
 * nothing outside the repository.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as sokka from "../mod.ts";
import { createTaskQ, drain, ERROR_CODES, HTTP_STATUS, ok, TaskError, worker } from "../mod.ts";
import * as http from "../src/http/mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const jsr = JSON.parse(readFileSync(join(root, "jsr.json"), "utf8"));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The rows of the "Error codes" table: code → [type, status]. */
function codeTable(): Map<string, [string, number]> {
  const section = readme.split("## Error codes")[1].split("\n## ")[0];
  const rows = new Map<string, [string, number]>();
  for (const m of section.matchAll(/^\| `([a-z-]+)` \| `([a-z-]+)` \| (\d{3}) \|/gm)) rows.set(m[1], [m[2], +m[3]]);
  return rows;
}

describe("README", () => {
  it("stands alone: no pointer outside the repository and no in-house words", () => {
    for (const word of ["API.md", "the seed", "the contract", "surpassing", "../shared"]) {
      expect(readme, word).not.toContain(word);
    }
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
    for (const name of values) expect(readme, name).toContain(`\`${name}`);
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
      for (const f of fields) expect(readme, `${what}: ${f}`).toContain(`\`${f}\``);
    }
  });

  it("its images ship in the npm and JSR packages and are linked where the published package serves them", () => {
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    const prefix = `https://cdn.jsdelivr.net/npm/${pkg.name}@${pkg.version}/`;
    for (const url of images) {
      expect(url.startsWith(prefix), url).toBe(true);
      const path = url.slice(prefix.length);
      expect(statSync(join(root, path)).isFile(), path).toBe(true);
      expect(pkg.files, "package.json files").toContain("docs/*.png");
      expect(jsr.publish.include, "jsr.json publish.include").toContain("docs/*.png");
      expect(path).toMatch(/^docs\/[^/]+\.png$/);
    }
  });
});
