// @ts-check
// A worker that is nothing but fetch(): it pulls tasks of a topic from a
// sokka server (the routes of sokkaRoutes) and completes, fails or snoozes
// them, fenced by the leaseId of each reservation.
//
//   node examples/pull-consumer.mjs http://127.0.0.1:8787 email
//
// `consume` is exported so the test suite runs this very loop.

/** @typedef {"complete" | { snooze: number } | { fail: string }} PullOutcome */

/**
 * Pulls and handles tasks until the topic is empty (or `signal` aborts); returns how many it handled.
 * @param {string} baseUrl where the sokka routes are mounted
 * @param {string} topic
 * @param {{ pid?: string; handle?: (task: import("sokka").Task) => Promise<PullOutcome>; signal?: AbortSignal }} [options]
 * @returns {Promise<number>}
 */
export async function consume(
  baseUrl,
  topic,
  { pid = `pull-${Date.now()}`, handle = () => Promise.resolve("complete"), signal } = {},
) {
  /** @type {(path: string, body: unknown) => Promise<Response>} */
  const post = (path, body) =>
    fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  let handled = 0;
  while (!signal?.aborted) {
    const res = await post(`/topics/${encodeURIComponent(topic)}/reserve`, { pid, leaseTimeMs: 30_000 });
    if (res.status === 204) break; // nothing to do
    if (!res.ok) throw new Error(`reserve failed: ${res.status} ${await res.text()}`);
    /** @type {import("sokka").Task} */
    const task = await res.json();
    /** @type {PullOutcome} */
    let outcome;
    try {
      outcome = await handle(task);
    } catch (e) {
      outcome = { fail: e instanceof Error ? e.message : String(e) };
    }
    const fence = { pid, leaseId: task.leaseId };
    const done = outcome === "complete"
      ? await post(`/tasks/${task.taskId}/complete`, fence)
      : "snooze" in outcome
      ? await post(`/tasks/${task.taskId}/snooze`, { ...fence, snoozeTime: outcome.snooze })
      : await post(`/tasks/${task.taskId}/fail`, { ...fence, errorMessage: outcome.fail });
    // 403/409: the lease moved on (someone else owns the task now) — not ours to report
    if (!done.ok && done.status !== 403 && done.status !== 409) throw new Error(`outcome failed: ${done.status}`);
    handled++;
  }
  return handled;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [baseUrl = "http://127.0.0.1:8787", topic = "demo"] = process.argv.slice(2);
  const n = await consume(baseUrl, topic, {
    handle: (task) => {
      console.log("handling", task.taskId, task.data);
      return Promise.resolve(/** @type {const} */ ("complete"));
    },
  });
  console.log(`handled ${n} task(s)`);
}
