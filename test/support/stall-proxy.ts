// A TCP proxy on loopback in front of a real database that can be switched to swallow bytes:
// while stalled, connections stay open and new ones are accepted, but nothing is forwarded in
// either direction, as on a silently dropped route. Resuming forwards again; bytes swallowed
// during the stall are gone, so a client must have discarded the connections it used meanwhile.

import net from "node:net";

export interface StallProxy {
  port: number;
  /** The same URL with host and port replaced by the proxy's. */
  urlFor(target: string): string;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(targetHost: string, targetPort: number): Promise<StallProxy> {
  let stalled = false;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on("data", (chunk) => {
      if (!stalled && !to.destroyed) to.write(chunk);
    });

  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(targetPort, targetHost);
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    urlFor(target) {
      const url = new URL(target);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      return url.toString();
    },
    stall: () => void (stalled = true),
    resume: () => void (stalled = false),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
