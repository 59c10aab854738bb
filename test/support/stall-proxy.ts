// A TCP proxy on loopback in front of a real database that can be switched to swallow bytes:
// while stalled, connections stay open and new ones are accepted, but nothing is forwarded in
// either direction, as on a silently dropped route. Resuming forwards again; bytes swallowed
// during the stall are gone, so a client must have discarded the connections it used meanwhile.
// It can also reset: every open connection is closed with a TCP RST (both sides), and until
// resume() each new one is accepted and reset at once, as by a firewall or a restarting middlebox.

import net from "node:net";

export interface StallProxy {
  port: number;
  /** The same URL with host and port replaced by the proxy's. */
  urlFor(target: string): string;
  stall(): void;
  /** Resets every open connection now, and each new one as it arrives, until resume(). */
  reset(): void;
  /** Forwards again after stall() or reset(). */
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(targetHost: string, targetPort: number): Promise<StallProxy> {
  let stalled = false;
  let resetting = false;
  const sockets = new Set<net.Socket>();
  const resetAll = () => {
    for (const socket of sockets) if (!socket.destroyed) socket.resetAndDestroy();
  };
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
    if (resetting) {
      client.resetAndDestroy();
      return;
    }
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
    reset() {
      resetting = true;
      resetAll();
    },
    resume() {
      stalled = false;
      resetting = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
