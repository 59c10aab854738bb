// A tiny round-robin HTTP load balancer on loopback, standing in for whatever an operator puts in
// front of the replicas. Each request goes to the next backend that is not marked down; a backend
// that refuses the connection is marked down for a moment and the request tries the next one
// (nothing was sent, so that is safe); a backend that fails after the request was sent answers
// 502 with a JSON-RPC error carrying `code: "REPLICA_LOST"`, since the request may have run there.

import http from "node:http";
import type { AddressInfo } from "node:net";

/** How long a backend that refused a connection is skipped. */
const DOWN_FOR_MS = 1000;

export interface Balancer {
  url: string;
  /** Requests each backend answered (any status), by index. */
  forwarded: number[];
  close(): Promise<void>;
}

export const REPLICA_LOST = "REPLICA_LOST";

export async function startBalancer(backends: readonly string[]): Promise<Balancer> {
  const targets = backends.map((b) => new URL(b));
  const downUntil = targets.map(() => 0);
  const forwarded = targets.map(() => 0);
  // Idle sockets are dropped after 4 s, before the replica's own 5 s keep-alive timeout closes them:
  // otherwise a request sent on a socket the replica is closing fails as if the replica had died.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, timeout: 4000 });
  let next = 0;

  const pick = (tried: Set<number>): number | undefined => {
    const now = Date.now();
    for (let i = 0; i < targets.length; i++) {
      const index = (next + i) % targets.length;
      if (!tried.has(index) && downUntil[index]! <= now) {
        next = index + 1;
        return index;
      }
    }
    // All down or tried: one that was not tried yet, down or not, rather than failing outright.
    for (let i = 0; i < targets.length; i++) if (!tried.has(i)) return i;
    return undefined;
  };

  const lost = (res: http.ServerResponse, message: string) => {
    if (res.headersSent) return void res.destroy();
    const body = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32603, message, data: { code: REPLICA_LOST } } });
    res.writeHead(502, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const tried = new Set<number>();
      const attempt = () => {
        const index = pick(tried);
        if (index === undefined) return lost(res, "no replica accepted the connection");
        tried.add(index);
        const target = targets[index]!;
        let sent = false;
        const upstream = http.request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host }, agent },
          (reply) => {
            forwarded[index]! += 1;
            res.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(res);
            reply.on("error", () => res.destroy());
          },
        );
        upstream.on("socket", (socket) => {
          // A reused keep-alive socket is connected already; a new one once it connects.
          if (!socket.connecting) sent = true;
          else socket.once("connect", () => (sent = true));
        });
        upstream.on("error", (err: NodeJS.ErrnoException) => {
          if (!sent && err.code === "ECONNREFUSED") {
            downUntil[index] = Date.now() + DOWN_FOR_MS;
            return attempt();
          }
          lost(res, "the replica went away during the request");
        });
        upstream.end(body);
      };
      attempt();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    forwarded,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
