/**
 * The cross-site attack the browser tests send (test/http.cross-site.browser.test.ts against routes in Node,
 * test/do/cross-site.browser.test.ts against a Durable Object's): every write route of the OpenAPI document as a
 * no-cors fetch (with no body, and with its example as text), and every dashboard form posted into a frame. The
 * store under attack holds TASK_ID (topic email) for the API's writes and FORM_TASK and FORM_SCHEDULE (topic
 * forms) for the dashboard's.
 */
import { expect } from "vitest";
import { openApiDocument } from "../src/http/openapi.ts";

type Json = Record<string, any>;

/** What the attacker's page sends: every API write (with no body, and with its example as text), every dashboard form. */
export function attackPlan(): {
  fetches: { method: string; path: string; body?: string }[];
  forms: { path: string; fields: Json }[];
} {
  const fetches: { method: string; path: string; body?: string }[] = [];
  for (const [path, item] of Object.entries(openApiDocument().paths as Json)) {
    for (const [method, op] of Object.entries(item as Json) as [string, Json][]) {
      if (method === "get") continue;
      let url = path;
      for (const p of op.parameters ?? []) if (p.in === "path") url = url.replace(`{${p.name}}`, p.example);
      const example = op.requestBody?.content?.["application/json"]?.example;
      const m = method.toUpperCase();
      fetches.push({ method: m, path: url });
      if (example) fetches.push({ method: m, path: url, body: JSON.stringify(example) });
    }
  }
  expect(fetches.length).toBeGreaterThan(20);
  const forms = [
    { path: "/ui/tasks", fields: { topic: "forms", data: "{}" } },
    { path: "/ui/topics/forms/pause", fields: {} },
    { path: "/ui/topics/pause", fields: { topic: "forms" } },
    { path: "/ui/schedules/pause", fields: { name: "FORM_SCHEDULE" } },
    ...["hold", "cancel", "terminate", "release", "retry"].map((a) => ({
      path: `/ui/tasks/FORM_TASK/${a}`,
      fields: {},
    })),
    { path: "/ui/tasks/FORM_TASK/fail", fields: { reason: "attack" } },
    { path: "/ui/tasks/FORM_TASK/revoke", fields: { recordVer: "1" } },
  ];
  return { fetches, forms };
}

/** The attacker's page: sends the plan to `target`, then sets its title to "done". */
export function attackPage(target: string): string {
  const plan = JSON.stringify({ target, ...attackPlan() });
  return `<!doctype html><title>attack</title><body><script>
(async () => {
  const plan = ${plan};
  await Promise.allSettled(plan.fetches.map((f) =>
    fetch(plan.target + f.path, { method: f.method, mode: f.method === "POST" ? "no-cors" : "cors", credentials: "include", ...(f.body ? { body: f.body } : {}) })));
  await Promise.all(plan.forms.map((f, i) => new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.name = "f" + i;
    document.body.append(frame);
    const form = document.createElement("form");
    form.method = "post";
    form.action = plan.target + f.path;
    form.target = frame.name;
    for (const [k, v] of Object.entries(f.fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = k;
      input.value = v;
      form.append(input);
    }
    document.body.append(form);
    frame.addEventListener("load", resolve, { once: true });
    form.submit();
  })));
  document.title = "done";
})();
</script></body>`;
}
