/**
 * The TaskQ contract suites on a Durable Object's SQLite in workerd. The
 * contract files import vitest and Node-only helpers, so they run here in
 * Node: each test's store runs in this process on `probeDriver`, whose every
 * statement runs inside a fresh Durable Object of the harness (workerd, SQLite
 * storage) through `durableObjectSql(ctx.storage)`. What ran in the object is
 * the SQL and the driver (transactions, arguments, rows, change counts, error
 * codes); the store's logic ran in Node. test/do/durable-object.test.ts runs
 * the whole store inside objects.
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
