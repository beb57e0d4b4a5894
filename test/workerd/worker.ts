/**
 * The Worker that test/workerd/'s suites run in (vitest.workers.config.ts's
 * `main`): `@cloudflare/vitest-pool-workers` runs the test files in this
 * Worker's isolate in workerd, with a D1 binding `DB` and the Durable Object
 * namespace `CONTRACT` of SQLite-backed objects. The object is empty: a test
 * runs inside one (`runInDurableObject`) and makes its stores there on the
 * object's `ctx.storage`, as an application makes its store in its object.
 */
import { DurableObject } from "cloudflare:workers";

/** An object with SQLite storage and nothing of its own: the contract's stores are made inside it by the test. */
export class ContractObject extends DurableObject {}

export default {
  fetch(): Response {
    return new Response(null, { status: 404 });
  },
};
