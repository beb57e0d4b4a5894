/**
 * A real Cloudflare D1 database for tests: miniflare runs workerd with a D1
 * binding, and `getD1Database()` hands Node a proxy of that binding, so
 * every statement runs in workerd's own D1 (its SQLite, its limits on
 * functions, its errors). Each call starts its own workerd with a fresh,
 * in-memory database.
 */
import { Miniflare } from "miniflare";
import type { D1DatabaseLike } from "../mod.ts";

/** A workerd with one D1 binding `DB`; `dispose()` stops it. */
export async function startD1(): Promise<{ db: D1DatabaseLike; mf: Miniflare; dispose(): Promise<void> }> {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    d1Databases: ["DB"],
  });
  const db = (await mf.getD1Database("DB")) as unknown as D1DatabaseLike;
  return { db, mf, dispose: () => mf.dispose() };
}
