/**
 * The TaskQ contract suites with every statement run in a Durable Object of
 * the project's own workerd (the `workerd` devDependency, newer than the one
 * `@cloudflare/vitest-pool-workers` brings), with SQLite storage on a local
 * disk and a fresh object, so a fresh database, for every store. The store's
 * logic runs here in Node on `probeDriver`, which sends each statement to an
 * object of the harness over HTTP, where `durableObjectSql(ctx.storage)` runs
 * it: what ran in the object is the SQL and the driver (transactions,
 * arguments, rows, change counts, error codes). test/workerd/do.contract.test.ts
 * runs the same suites with the whole store inside an object (`npm run
 * test:workerd`); this file keeps them on the runtime the project pins.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { createTaskQ } from "../../mod.ts";
import { type Target, uniq } from "../helpers.ts";
import { taskqContract } from "../taskq.contract.ts";
import { lifecycleContract } from "../taskq.lifecycle.contract.ts";
import { activityContract } from "../taskq.activity.contract.ts";
import { namesContract } from "../taskq.names.contract.ts";
import { topicsContract } from "../taskq.topics.contract.ts";
import { probeDriver } from "./probe-driver.ts";
import { startWorkerdDo, type WorkerdDo } from "./workerd-do.ts";

let wd: WorkerdDo;
beforeAll(async () => {
  wd = await startWorkerdDo();
}, 90_000);
afterAll(() => wd?.stop());

const target: Target = {
  name: "Durable Object SQLite in workerd",
  make: (opts) => {
    // a fresh object, so a fresh database, for every store
    const taskq = createTaskQ({ ...opts, driver: probeDriver(wd.base, uniq("contract")) });
    return { taskq, cleanup: () => taskq.close() };
  },
};

describe(`TaskQ contract (${target.name})`, () => taskqContract(target));
describe(`TaskQ lifecycle contract (${target.name})`, () => lifecycleContract(target));
describe(`TaskQ activity contract (${target.name})`, () => activityContract(target));
describe(`TaskQ names contract (${target.name})`, () => namesContract(target));
describe(`TaskQ topics contract (${target.name})`, () => topicsContract(target));
