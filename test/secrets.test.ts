/**
 * No error message names a secret: an auth token in a URL's query, or a user
 * name and password in it, never reaches a message — of `createTaskQ`, of a
 * store call that fails on the network, or of the CLI.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createTaskQ, TaskError } from "../mod.ts";
import { safeUrl } from "../src/libsql/url.ts";
import { freePort, spawnProcess } from "./processes.ts";
import { rejection } from "./helpers.ts";

const SECRET = "s3cr3t-T0KEN-value";
const PASSWORD = "hunter2-pass";
const root = fileURLToPath(new URL("..", import.meta.url));

/** Every text an error carries to a user: its message, its issues, and the same of its cause chain's TaskErrors. */
function texts(e: unknown): string {
  if (!(e instanceof TaskError)) return String(e);
  return [e.message, JSON.stringify(e.issues ?? [])].join("\n");
}

describe("secrets in URLs", () => {
  it("createTaskQ's refusals of a URL show it without its query or credentials", () => {
    for (
      const url of [
        `libsql://db.example.invalid?authToken=${SECRET}&nope=1`, // an unsupported parameter
        `libsql://db.example.invalid?tls=maybe&authToken=${SECRET}`, // a bad value
        `ftp://user:${PASSWORD}@db.example.invalid/x?authToken=${SECRET}`, // a bad scheme
        `http://user:${PASSWORD}@127.0.0.1:1`, // credentials in the URL: refused by name
      ]
    ) {
      let e: unknown;
      try {
        createTaskQ({ url });
      } catch (err) {
        e = err;
      }
      expect(e, url).toBeInstanceOf(TaskError);
      expect((e as TaskError).code).toBe("invalid-options");
      expect(texts(e), url).not.toContain(SECRET);
      expect(texts(e), url).not.toContain(PASSWORD);
    }
  });

  it("a file: database that cannot be opened says so at first use, without the URL's query", async () => {
    const taskq = createTaskQ({ url: `file:/nonexistent-dir/q.db?authToken=${SECRET}` });
    const e = await rejection(taskq.createTask({ topic: "t" }));
    await taskq.close();
    expect([e.type, e.code]).toEqual(["unavailable", "store-unavailable"]);
    expect(e.message).toMatch(/the database file cannot be opened/);
    expect(texts(e)).not.toContain(SECRET);
  });

  it("a call that fails on the network says so without the URL's token", async () => {
    const port = await freePort(); // nothing listens there
    for (const url of [`http://127.0.0.1:${port}?authToken=${SECRET}`, `ws://127.0.0.1:${port}?authToken=${SECRET}`]) {
      const taskq = createTaskQ({ url, requestTimeoutMs: 2_000, authToken: SECRET });
      const e = await rejection(taskq.createTask({ topic: "t" }));
      await taskq.close();
      expect(e, url).toBeInstanceOf(TaskError);
      expect((e as TaskError).type).toBe("unavailable");
      expect(texts(e), url).not.toContain(SECRET);
    }
  });

  it("the CLI prints no token or password from --url", async () => {
    const port = await freePort();
    for (
      const url of [
        `libsql://db.example.invalid?authToken=${SECRET}&nope=1`,
        `http://127.0.0.1:${port}?authToken=${SECRET}`,
        `http://user:${PASSWORD}@127.0.0.1:${port}`,
      ]
    ) {
      const r = await spawnProcess("node", [`${root}dist/src/cli/bin.js`, "--url", url, "stats"], {
        env: { SOKKA_REQUEST_TIMEOUT_MS: "2000" },
      }).exit;
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr + r.stdout, url).not.toContain(SECRET);
      expect(r.stderr + r.stdout, url).not.toContain(PASSWORD);
    }
  });

  it("safeUrl keeps what locates the database and drops what may be secret", () => {
    expect(safeUrl(`libsql://db.example.io?authToken=${SECRET}`)).toBe("libsql://db.example.io");
    expect(safeUrl(`https://u:${PASSWORD}@db.example.io:8080/x#frag`)).toBe("https://db.example.io:8080/x");
    expect(safeUrl(`file:/tmp/q.db?mode=ro`)).toBe("file:/tmp/q.db");
    expect(safeUrl(":memory:")).toBe(":memory:");
    expect(safeUrl(`not a url:${PASSWORD}@x`)).toBe("(an unreadable URL)");
  });
});
