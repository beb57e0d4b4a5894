/**
 * The TaskQ contract suites inside a Durable Object in workerd: every test
 * runs whole (its beforeEach, body and afterEach) inside a fresh object of
 * test/workerd/worker.ts (`runInDurableObject`, from an `aroundEach`), and
 * its stores are `createTaskQ({ driver: durableObjectSql(ctx.storage) })` on
 * that object's SQLite storage, made in the object as an application makes
 * its store. A test's second store (maxDataBytes, close) is on the same
 * object's database, as two stores of one object would be.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { aroundEach, beforeAll, describe } from "vitest";
import { createTaskQ, durableObjectSql, type DurableObjectSqlStorage } from "../../mod.ts";
import type { Target } from "../contract-helpers.ts";
import { taskqContract } from "../taskq.contract.ts";
import { lifecycleContract } from "../taskq.lifecycle.contract.ts";
import { activityContract } from "../taskq.activity.contract.ts";
import { namesContract } from "../taskq.names.contract.ts";
import { topicsContract } from "../taskq.topics.contract.ts";

// where this runs: workerd's own user agent (not Node's, not miniflare's proxy)
beforeAll(() => {
  if (navigator.userAgent !== "Cloudflare-Workers") throw new Error(`not in workerd: ${navigator.userAgent}`);
});

/** The storage of the object the running test is inside. */
let storage: DurableObjectSqlStorage | undefined;

aroundEach(async (runTest) => {
  const stub = env.CONTRACT.get(env.CONTRACT.newUniqueId());
  await runInDurableObject(stub, async (_object, state) => {
    storage = state.storage;
    try {
      await runTest();
    } finally {
      storage = undefined;
    }
  });
});

const target: Target = {
  name: "Durable Object SQLite, the store inside the object in workerd",
  make: (opts) => {
    if (!storage) throw new Error("a store is made only inside a test's Durable Object");
    const taskq = createTaskQ({ ...opts, driver: durableObjectSql(storage) });
    return { taskq, cleanup: () => taskq.close() };
  },
};

describe(`TaskQ contract (${target.name})`, () => taskqContract(target));
describe(`TaskQ lifecycle contract (${target.name})`, () => lifecycleContract(target));
describe(`TaskQ activity contract (${target.name})`, () => activityContract(target));
describe(`TaskQ names contract (${target.name})`, () => namesContract(target));
describe(`TaskQ topics contract (${target.name})`, () => topicsContract(target));
