// An @libsql/client client whose calls to the server (execute and batch) are counted:
// the benchmarks' measure of round trips per tick.
import { createClient } from "@libsql/client";

/** `{ client, calls(), reset(), close() }` over a fresh client on `url`. */
export function countingClient(url) {
  const real = createClient({ url });
  let calls = 0;
  const client = new Proxy(real, {
    get(t, k) {
      const v = Reflect.get(t, k, t);
      if (k === "execute" || k === "batch") return (...a) => (calls++, v.apply(t, a));
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return { client, calls: () => calls, reset: () => (calls = 0), close: () => real.close() };
}
