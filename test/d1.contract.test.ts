/**
 * The TaskQ contract on Cloudflare D1: the same suites every other target
 * runs, on a store made by `createTaskQ({ driver: d1(db) })` over a real D1
 * binding of workerd (miniflare), driven from Node through the binding's
 * proxy (the contract's helpers use node: modules, so the suites themselves
 * run in Node; every statement runs in workerd's D1).
 */
import { afterAll, describe } from "vitest";
import { d1Target, startD1 } from "./d1.ts";
import { taskqContract } from "./taskq.contract.ts";
import { lifecycleContract } from "./taskq.lifecycle.contract.ts";
import { activityContract } from "./taskq.activity.contract.ts";
import { namesContract } from "./taskq.names.contract.ts";
import { topicsContract } from "./taskq.topics.contract.ts";

const d1 = await startD1();
afterAll(() => d1.dispose());
const target = d1Target(d1.db);

describe(`TaskQ contract (${target.name})`, () => taskqContract(target));
describe(`TaskQ lifecycle contract (${target.name})`, () => lifecycleContract(target));
describe(`TaskQ activity contract (${target.name})`, () => activityContract(target));
describe(`TaskQ names contract (${target.name})`, () => namesContract(target));
describe(`TaskQ topics contract (${target.name})`, () => topicsContract(target));
