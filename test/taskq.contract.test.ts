import { describe } from "vitest";
import { TARGETS } from "./helpers.ts";
import { taskqContract } from "./taskq.contract.ts";
import { lifecycleContract } from "./taskq.lifecycle.contract.ts";
import { activityContract } from "./taskq.activity.contract.ts";
import { namesContract } from "./taskq.names.contract.ts";
import { topicsContract } from "./taskq.topics.contract.ts";

for (const target of TARGETS) {
  describe(`TaskQ contract (${target.name})`, () => taskqContract(target));
  describe(`TaskQ lifecycle contract (${target.name})`, () => lifecycleContract(target));
  describe(`TaskQ activity contract (${target.name})`, () => activityContract(target));
  describe(`TaskQ names contract (${target.name})`, () => namesContract(target));
  describe(`TaskQ topics contract (${target.name})`, () => topicsContract(target));
}
