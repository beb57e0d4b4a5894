/**
 * What test/workerd/'s files use of workerd's modules, described
 * structurally (as src/drivers/d1.ts and durable-object.ts describe the
 * bindings): the project type-checks its tests against Node's and the DOM's
 * types, which `@cloudflare/workers-types` would clash with. The bindings are
 * those of vitest.workers.config.ts.
 */
declare module "cloudflare:test" {
  import type { D1DatabaseLike, DurableObjectSqlStorage } from "../../mod.ts";

  /** A stub of a Durable Object (opaque here: only handed back to `runInDurableObject`). */
  export interface DurableObjectStubLike {
    readonly id: unknown;
  }

  /** The Worker's bindings. */
  export const env: {
    /** A D1 database (miniflare's, in workerd). */
    DB: D1DatabaseLike;
    /** Objects of test/workerd/worker.ts's ContractObject, with SQLite storage. */
    CONTRACT: {
      newUniqueId(): unknown;
      get(id: unknown): DurableObjectStubLike;
    };
  };

  /** Runs `callback` inside the object of `stub`, in its I/O context, with its `ctx` (`state`). */
  export function runInDurableObject<R>(
    stub: DurableObjectStubLike,
    callback: (instance: unknown, state: { storage: DurableObjectSqlStorage }) => R | Promise<R>,
  ): Promise<R>;
}

declare module "cloudflare:workers" {
  /** The base class of a Durable Object. */
  export class DurableObject {
    constructor(ctx: unknown, env: unknown);
  }
}
