import { describe } from "vitest";
import { TARGETS } from "./helpers.ts";
import { taskqContract } from "./taskq.contract.ts";

for (const target of TARGETS) {
  describe(`TaskQ contract (${target.name})`, () => taskqContract(target));
}
