/**
 * Random hostile values thrown, rejected, returned and resolved by a processor
 * function (fast-check): getters and proxy traps that throw (what they throw
 * hostile in turn), revoked proxies, cycles, deep cause chains and deep
 * objects, symbols, BigInts, objects whose toString / valueOf /
 * Symbol.toPrimitive / toJSON throw, thenables, outcomes carrying any of
 * these. Every attempt ends with a stored outcome — `failed` with a message
 * of at most 4,000 characters, or the valid outcome when it is one — and the
 * worker stays alive: no `error` event, and the next plain task completes.
 *
 * The generated values are recipes (plain data, printed as a counterexample
 * when a run fails); each run builds its hostile value from its recipe.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTaskQ, ok, type ProcessorFn, type Task, type TaskQ, type Worker, worker } from "../mod.ts";
import { MAX_ERROR_CHARS } from "../src/schemas.ts";
import { waitFor } from "./helpers.ts";

type Recipe =
  | { k: "plain"; v: unknown }
  | { k: "symbol"; d: string }
  | { k: "bigint"; v: bigint }
  | { k: "error"; cls: "Error" | "TypeError" | "Custom"; message: string; cause?: Recipe; name?: Recipe }
  | { k: "getter"; key: string; onError: boolean; thrown: Recipe }
  | { k: "trap"; trap: (typeof TRAPS)[number]; onError: boolean; thrown: Recipe }
  | { k: "revoked" }
  | { k: "selfCause" }
  | { k: "causeCycle"; n: number }
  | { k: "chain"; depth: number }
  | { k: "deep"; depth: number }
  | { k: "cyclic" }
  | { k: "convert"; how: "toString" | "valueOf" | "toPrimitive" | "toJSON"; nullProto: boolean; thrown: Recipe }
  | { k: "huge"; size: number }
  | { k: "outcome"; event: string; field: string; value: Recipe }
  | { k: "thenable"; how: "thenGetterThrows" | "thenThrows" | "rejects" | "resolves"; value: Recipe };

const TRAPS = ["get", "getPrototypeOf", "ownKeys", "has", "getOwnPropertyDescriptor"] as const;
/** How the function hands the value over. */
type Mode = "throw" | "reject" | "return" | "resolve";

const KEYS = ["message", "name", "stack", "cause", "toJSON", "event", "then", "result", "errorMessage", "snoozeTime"];

const recipe: fc.Arbitrary<Recipe> = fc.letrec<{ recipe: Recipe }>((tie) => {
  const inner = tie("recipe");
  return {
    recipe: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      {
        weight: 3,
        arbitrary: fc.record({
          k: fc.constant("plain" as const),
          v: fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true, withMap: true }),
        }),
      },
      fc.record({ k: fc.constant("symbol" as const), d: fc.string({ maxLength: 5 }) }),
      fc.record({ k: fc.constant("bigint" as const), v: fc.bigInt() }),
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant("error" as const),
          cls: fc.constantFrom("Error" as const, "TypeError" as const, "Custom" as const),
          message: fc.string({ maxLength: 20 }),
          cause: fc.option(inner, { nil: undefined }),
          name: fc.option(inner, { nil: undefined }),
        }, { requiredKeys: ["k", "cls", "message"] }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant("getter" as const),
          key: fc.constantFrom(...KEYS),
          onError: fc.boolean(),
          thrown: inner,
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant("trap" as const),
          trap: fc.constantFrom(...TRAPS),
          onError: fc.boolean(),
          thrown: inner,
        }),
      },
      fc.constant({ k: "revoked" as const }),
      fc.constant({ k: "selfCause" as const }),
      fc.record({ k: fc.constant("causeCycle" as const), n: fc.integer({ min: 2, max: 5 }) }),
      fc.record({
        k: fc.constant("chain" as const),
        depth: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constant(20_000)),
      }),
      fc.record({ k: fc.constant("deep" as const), depth: fc.constantFrom(10, 300, 20_000) }),
      fc.constant({ k: "cyclic" as const }),
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant("convert" as const),
          how: fc.constantFrom("toString" as const, "valueOf" as const, "toPrimitive" as const, "toJSON" as const),
          nullProto: fc.boolean(),
          thrown: inner,
        }),
      },
      fc.record({ k: fc.constant("huge" as const), size: fc.constantFrom(5_000, 200_000) }),
      {
        weight: 3,
        arbitrary: fc.record({
          k: fc.constant("outcome" as const),
          event: fc.constantFrom("completed", "failed", "snoozed", "other"),
          field: fc.constantFrom("result", "errorMessage", "snoozeTime", "extra"),
          value: inner,
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant("thenable" as const),
          how: fc.constantFrom(
            "thenGetterThrows" as const,
            "thenThrows" as const,
            "rejects" as const,
            "resolves" as const,
          ),
          value: inner,
        }),
      },
    ),
  };
}).recipe;

class CustomError extends Error {
  override name = "CustomError";
}

/** A fresh hostile value made after `r`. */
function build(r: Recipe): unknown {
  switch (r.k) {
    case "plain":
      return r.v;
    case "symbol":
      return Symbol(r.d);
    case "bigint":
      return r.v;
    case "error": {
      const e = new (r.cls === "Error" ? Error : r.cls === "TypeError" ? TypeError : CustomError)(r.message);
      if (r.cause) e.cause = build(r.cause);
      if (r.name) Object.defineProperty(e, "name", { value: build(r.name) });
      return e;
    }
    case "getter": {
      const target = r.onError ? new Error("with a getter") : {};
      return Object.defineProperty(target, r.key, {
        get() {
          throw build(r.thrown);
        },
        enumerable: true,
      });
    }
    case "trap":
      return new Proxy(r.onError ? new Error("behind a proxy") : { a: 1 }, {
        [r.trap]() {
          throw build(r.thrown);
        },
      });
    case "revoked": {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case "selfCause": {
      const e = new Error("its own cause");
      e.cause = e;
      return e;
    }
    case "causeCycle": {
      const errors = Array.from({ length: r.n }, (_, i) => new Error(`link ${i}`));
      errors.forEach((e, i) => (e.cause = errors[(i + 1) % r.n]));
      return errors[0];
    }
    case "chain": {
      let e = new Error("root");
      for (let i = 0; i < r.depth; i++) e = new Error(`level ${i}`, { cause: e });
      return e;
    }
    case "deep": {
      let o: unknown = {};
      for (let i = 0; i < r.depth; i++) o = { o };
      return o;
    }
    case "cyclic": {
      const o: Record<string, unknown> = { a: 1 };
      o.self = o;
      return o;
    }
    case "convert": {
      const o = r.nullProto ? Object.create(null) : {};
      const key = r.how === "toPrimitive" ? Symbol.toPrimitive : r.how;
      o[key] = () => {
        throw build(r.thrown);
      };
      return o;
    }
    case "huge":
      return { items: Array.from({ length: r.size }, (_, i) => ({ i, s: "x".repeat(i % 50) })) };
    case "outcome":
      return { event: r.event, [r.field]: build(r.value) };
    case "thenable":
      switch (r.how) {
        case "thenGetterThrows":
          return Object.defineProperty({}, "then", {
            get() {
              throw build(r.value);
            },
          });
        case "thenThrows":
          return {
            then() {
              throw build(r.value);
            },
          };
        case "rejects":
          return { then: (_ok: unknown, no: (e: unknown) => void) => no(build(r.value)) };
        case "resolves":
          return { then: (yes: (v: unknown) => void) => yes(build(r.value)) };
      }
  }
}

/** True when `v` is plain JSON (what a result may be). */
function isJson(v: unknown, depth = 0): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (typeof v !== "object" || depth > 200) return false;
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && Object.values(v).every((x) => isJson(x, depth + 1));
}

/** The status a run must end in: "failed" unless `r`, handed over by `mode`, is (or may be) a valid outcome. */
function expectedStatus(r: Recipe, mode: Mode): "terminated" | "snoozed" | "failed" | "any" {
  if (mode === "throw" || mode === "reject") return "failed";
  if (r.k === "thenable") return r.how === "resolves" ? "any" : "failed"; // resolved: whatever it resolves with
  if (r.k !== "outcome") return "failed";
  const plain = r.value.k === "plain";
  const v = plain ? (r.value as { v: unknown }).v : undefined;
  if (r.event === "completed" && r.field === "result") {
    // a built value may happen to be plain JSON (an outcome-shaped object of plain values)
    return !plain ? "any" : v === undefined || isJson(v) ? "terminated" : "failed";
  }
  if (r.event === "snoozed" && r.field === "snoozeTime" && plain) return v === undefined ? "snoozed" : "any";
  return "failed";
}

let taskq: TaskQ;
let w: Worker;
const recipes = new Map<string, { r: Recipe; mode: Mode }>();
const errors: unknown[] = [];
const stopped: unknown[] = [];
const failedEvents: Task[] = [];

beforeAll(() => {
  taskq = createTaskQ({ url: ":memory:" });
  w = worker({
    taskq,
    topic: "hostile",
    maxPollIntervalMs: 50,
    leaseTimeMs: 10_000,
    timeoutMs: 10_000,
    pfn: ((task: Task) => {
      const run = recipes.get(task.taskId);
      if (!run) return ok("plain");
      const value = build(run.r);
      switch (run.mode) {
        case "throw":
          throw value;
        case "reject":
          return Promise.reject(value);
        case "return":
          return value;
        case "resolve":
          return Promise.resolve().then(() => value);
      }
    }) as ProcessorFn,
  });
  w.addEventListener("error", (e) => errors.push((e as CustomEvent).detail));
  w.addEventListener("stopped", (e) => stopped.push((e as CustomEvent).detail));
  w.addEventListener("failed", (e) => failedEvents.push((e as CustomEvent).detail));
});
afterAll(async () => {
  await w.stop();
  await taskq.close();
});

const ended = (id: string) =>
  waitFor(
    async () => {
      const t = await taskq.task(id);
      return t && ["failed", "terminated", "snoozed"].includes(t.status) ? t : null;
    },
    20_000,
    `task ${id} to end its attempt`,
  );

it("every attempt with a hostile value ends with a stored outcome, and the worker stays alive", async () => {
  const mode = fc.constantFrom<Mode>("throw", "reject", "return", "resolve");
  await fc.assert(
    fc.asyncProperty(recipe, mode, async (r, m) => {
      const t = await taskq.createTask({ topic: "hostile" });
      recipes.set(t.taskId, { r, mode: m });
      const done = await ended(t.taskId);
      expect(done).toMatchObject({ attempts: 1, pid: null, leaseId: null });
      const expected = expectedStatus(r, m);
      if (expected !== "any") expect(done.status).toBe(expected);
      if (done.status === "failed") {
        expect(typeof done.error).toBe("string");
        expect(done.error!.length).toBeGreaterThan(0);
        expect(done.error!.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
        await waitFor(() => failedEvents.some((f) => f.taskId === t.taskId), 5_000, "its failed event");
      }
      expect(errors).toEqual([]);
    }),
    { numRuns: 250 },
  );
  // still alive: a plain task completes
  const plain = await taskq.createTask({ topic: "hostile" });
  expect(await ended(plain.taskId)).toMatchObject({ status: "terminated", result: "plain" });
  expect(errors).toEqual([]);
  expect(stopped).toEqual([]);
}, 300_000);
