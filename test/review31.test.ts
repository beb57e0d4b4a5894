/**
 * Review of issue 31 (topic limits): failing tests for defects found on main.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, type TaskQ } from "../mod.ts";
import { uniq, waitFor } from "./helpers.ts";

describe("review31: limits", () => {
  let q: TaskQ;
  let topic: string;
  beforeEach(() => {
    q = createTaskQ({ url: ":memory:", leaseTimeMs: 60_000 });
    topic = uniq("rv");
  });
  afterEach(() => q.close());

  /**
   * At the cap, with a task whose lease expired still `running`: an idle waiter must sleep until the live task
   * ends or its lease ends (60 s), not return at once (it did: ~9,000–21,000 wake-ups a second).
   */
  async function expectNoSpin(extra: { partitionKey?: string }, partitioned: boolean): Promise<void> {
    await q.createTasks([{ topic, data: 1, ...extra }, { topic, data: 2, ...extra }]);
    await q.setTopicLimits(topic, partitioned ? { concurrency: 1, partitioned } : { concurrency: 1 });
    // a worker that dies holding a short lease
    const [dead] = await q.reserveTasks(topic, "dead", 1, { leaseTimeMs: 20 });
    expect(dead).toBeDefined();
    await waitFor(async () => (await q.reserveTask(topic, "live")) ?? null, 5_000, "the live worker's slot");
    // the cap is taken by the live lease; the dead task (lease expired, still 'running') waits its turn
    expect(await q.reserveTask(topic, "other")).toBeNull();
    let looks = 0;
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      if (!(await q.waitForTask(topic, { timeoutMs: Math.max(1, until - Date.now()) }))) break;
      looks++;
      expect(await q.reserveTask(topic, "other")).toBeNull();
    }
    expect(looks).toBeLessThan(5);
  }

  it("at the concurrency cap, an expired-lease running task does not make waitForTask say 'ready now' (spin)", () =>
    expectNoSpin({}, false));

  it("the same spin in a partitioned topic: a key at its cap with an expired-lease task of that key", () =>
    expectNoSpin({ partitionKey: "k" }, true));
});
