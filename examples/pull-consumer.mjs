// A worker that is nothing but fetch(): it pulls tasks of a topic from a
// sokka server (the routes of sokkaRoutes) and completes, fails or snoozes
// them, fenced by the leaseId of each reservation.
//
//   node examples/pull-consumer.mjs http://127.0.0.1:8787 email
//
// `consume` is exported so the test suite runs this very loop.

/** Pulls and handles tasks until the topic is empty (or `signal` aborts); returns how many it handled. */
export async function consume(baseUrl, topic, { pid = `pull-${Date.now()}`, handle = async () => "complete", signal } = {}) {
  const post = (path, body) =>
    fetch(`${baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  let handled = 0;
  while (!signal?.aborted) {
    const res = await post(`/topics/${encodeURIComponent(topic)}/reserve`, { pid, leaseTimeMs: 30_000 });
    if (res.status === 204) break; // nothing to do
    if (!res.ok) throw new Error(`reserve failed: ${res.status} ${await res.text()}`);
    const task = await res.json();
    let outcome;
    try {
      outcome = await handle(task);
    } catch (e) {
      outcome = { fail: String(e?.message ?? e) };
    }
    const fence = { pid, leaseId: task.leaseId };
    const done = outcome === "complete"
      ? await post(`/tasks/${task.taskId}/complete`, fence)
      : outcome?.snooze !== undefined
      ? await post(`/tasks/${task.taskId}/snooze`, { ...fence, snoozeTime: outcome.snooze })
      : await post(`/tasks/${task.taskId}/fail`, { ...fence, errorMessage: outcome?.fail ?? "failed" });
    // 403/409: the lease moved on (someone else owns the task now) — not ours to report
    if (!done.ok && done.status !== 403 && done.status !== 409) throw new Error(`outcome failed: ${done.status}`);
    handled++;
  }
  return handled;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [baseUrl = "http://127.0.0.1:8787", topic = "demo"] = process.argv.slice(2);
  const n = await consume(baseUrl, topic, { handle: async (task) => (console.log("handling", task.taskId, task.data), "complete") });
  console.log(`handled ${n} task(s)`);
}
