/**
 * workerd (the npm package of the open-source Workers runtime) serving
 * test/do/harness.mjs: the Durable Object example and the probe object, both
 * with SQLite storage on a local disk (where workerd keeps their databases and
 * runs their alarms for real), bundled as wrangler bundles a Worker.
 */
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir, waitFor } from "../helpers.ts";
import { WORKERD_BUILD } from "../edge-build.ts";
import { type Child, freePort, spawnProcess } from "../processes.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A running workerd: its base URL, what it logged, and how to stop it. */
export interface WorkerdDo {
  base: string;
  log(): string;
  stop(): Promise<void>;
}

/** Bundles the harness, writes workerd's config and starts it; resolves once it answers. */
export async function startWorkerdDo(): Promise<WorkerdDo> {
  const dir = tempDir("sokka-do-");
  await build({
    entryPoints: [join(root, "test/do/harness.mjs")],
    outfile: join(dir.dir, "worker.js"),
    ...WORKERD_BUILD,
  });
  const port = await freePort();
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "do-disk", disk = (path = ${JSON.stringify(dir.dir)}, writable = true)),
    # the objects' outbound fetch (webhooks) may reach this machine
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2026-11-01",
  durableObjectNamespaces = [
    (className = "TaskQueue", uniqueKey = "sokka-test-queues", enableSql = true),
    (className = "Probe", uniqueKey = "sokka-test-probes", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-disk"),
  bindings = [
    (name = "QUEUES", durableObjectNamespace = "TaskQueue"),
    (name = "PROBES", durableObjectNamespace = "Probe"),
  ],
);
`;
  writeFileSync(join(dir.dir, "config.capnp"), config);
  const workerd: Child = spawnProcess(join(root, "node_modules/.bin/workerd"), [
    "serve",
    join(dir.dir, "config.capnp"),
    "--verbose",
  ]);
  let exited = false;
  let output = "";
  void workerd.exit.then((r) => {
    exited = true;
    output = r.stdout + r.stderr;
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    () => {
      if (exited) throw new Error(`workerd exited: ${output}`);
      return fetch(`${base}/nothing`).then((r) => r.status === 404, () => false);
    },
    30_000,
    "workerd to serve the harness",
  );
  return {
    base,
    log: () => output,
    stop: async () => {
      workerd.kill("SIGKILL");
      await workerd.exit;
      dir.cleanup();
    },
  };
}
