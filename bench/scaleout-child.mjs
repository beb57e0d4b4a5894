// A worker process of the scale-out benchmark (bench/scaleout.mjs).
//   node bench/scaleout-child.mjs <url> <topic> <concurrency>
// Opens a store on <url> (its own @libsql/client client, calls counted), prints "ready", starts its worker on the first line of stdin and
// stops it (resolving stop()) on the second. Every execution's task id goes to stdout, a batch
// per line ("ids a,b,…") so the parent can count runs per task; error events go out as
// "error <code>" lines.
import { countingClient } from "./counting-client.mjs";
// SOKKA_DIST: another build's dist/mod.js (to A/B a change, e.g. the WAN benchmark against main's build)
const { createTaskQ, ok, worker } = await import(process.env.SOKKA_DIST ?? "../dist/mod.js");

const [url, topic, concurrency] = process.argv.slice(2);
// the store's calls to the server are counted ("calls N" at the end)
const counted = countingClient(url);
const taskq = createTaskQ({ client: counted.client });
await taskq.countTasks({ topic }); // the store is open before "ready"

let ids = [];
const flush = () => {
  if (ids.length) process.stdout.write(`ids ${ids.join(",")}\n`);
  ids = [];
};
const flusher = setInterval(flush, 100);

let w;
let lines = 0;
let buf = "";
process.stdin.on("data", async (d) => {
  buf += d;
  while (buf.includes("\n")) {
    buf = buf.slice(buf.indexOf("\n") + 1);
    if (++lines === 1) {
      counted.reset();
      w = worker({
        taskq,
        topic,
        concurrency: Number(concurrency),
        pfn: (task) => {
          ids.push(task.taskId);
          return ok();
        },
      });
      w.addEventListener("error", (e) => process.stdout.write(`error ${e.detail?.code ?? e.detail?.message}\n`));
    } else {
      await w.stop();
      await taskq.close();
      counted.close();
      clearInterval(flusher);
      flush();
      process.stdout.write(`calls ${counted.calls()}\nstopped\n`, () => process.exit(0));
    }
  }
});
process.stdout.write("ready\n");
