import { describe } from "vitest";
import { TARGETS } from "./helpers.ts";
import { taskqContract } from "./taskq.contract.ts";

for (const target of TARGETS) {
  if (target.skip) console.log(`[sokka] skipping the TaskQ contract for ${target.name}: ${target.skip}`);
  describe.skipIf(target.skip !== undefined)(`TaskQ contract (${target.name})`, () => taskqContract(target));
}
