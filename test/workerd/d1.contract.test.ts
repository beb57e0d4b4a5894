/**
 * The TaskQ contract suites inside workerd on Cloudflare D1: this file, the
 * suites and the whole store run in a Worker (`@cloudflare/vitest-pool-workers`,
 * vitest.workers.config.ts), on `createTaskQ({ driver: d1(env.DB) })` over the
 * Worker's own D1 binding, as an application on Cloudflare makes its store.
 * One database for the file: each test uses its own topics and ids.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe } from "vitest";
import { createTaskQ, d1 } from "../../mod.ts";
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

const target: Target = {
  name: "D1, the store inside workerd",
  shared: true,
  make: (opts) => {
    const taskq = createTaskQ({ ...opts, driver: d1(env.DB) });
    return { taskq, cleanup: () => taskq.close() };
  },
};

describe(`TaskQ contract (${target.name})`, () => taskqContract(target));
describe(`TaskQ lifecycle contract (${target.name})`, () => lifecycleContract(target));
describe(`TaskQ activity contract (${target.name})`, () => activityContract(target));
describe(`TaskQ names contract (${target.name})`, () => namesContract(target));
describe(`TaskQ topics contract (${target.name})`, () => topicsContract(target));
