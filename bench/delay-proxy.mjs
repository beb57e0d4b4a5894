// A simulated network link for the WAN benchmark and its tests: a TCP proxy on loopback that holds every
// chunk for `delayMs` in each direction (so a round trip costs 2 × delayMs more than on loopback), in the
// order it came, per connection. This machine's kernel has no `tc netem`; this stands in for it.
//
//   const proxy = await startDelayProxy({ port: 8080, delayMs: 5 }); // proxy.url: http://127.0.0.1:<port>
//   await proxy.close();
import { connect, createServer } from "node:net";

/**
 * One direction of a connection: chunks go out `delayMs` after they came in, in order. Bytes are never
 * reordered or merged with another connection's; the end of the stream follows the last chunk.
 */
function delayed(from, to, delayMs) {
  const queue = [];
  let timer = null;
  let ended = false;
  const flush = () => {
    timer = null;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) to.write(queue.shift().chunk);
    if (queue.length) timer = setTimeout(flush, queue[0].at - now);
    else if (ended) to.end();
  };
  from.on("data", (chunk) => {
    queue.push({ at: performance.now() + delayMs, chunk });
    timer ??= setTimeout(flush, delayMs);
  });
  from.on("end", () => {
    ended = true;
    if (!timer && !queue.length) to.end();
  });
  return () => clearTimeout(timer);
}

/**
 * Starts the proxy in front of `host:port`. `delayMs`: one-way delay per chunk. Resolves with its `url`
 * (http), its `port`, how many connections it has seen, and `close()` (ends every connection).
 */
export function startDelayProxy({ host = "127.0.0.1", port, delayMs }) {
  const sockets = new Set();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect({ host, port });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const stops = [delayed(client, upstream, delayMs), delayed(upstream, client, delayMs)];
    const end = () => {
      stops.forEach((stop) => stop());
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: own } = server.address();
      resolve({
        url: `http://127.0.0.1:${own}`,
        port: own,
        connections: () => connections,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
