// What open connections may hold, bounded. node:http closes a connection that stalls inside a
// request (headersTimeout, requestTimeout) or sits idle after a response (keepAliveTimeout), but
// one that never sends a byte stays open for ever, and anyone who can reach the port can open
// them (the token is only checked once a request arrives). So a connection gets idleTimeoutMs to
// start its first request, and at most maxConnections are open at once: one more closes the oldest
// connection with no request in flight to make room, or itself when every connection is busy.
// A connection carries one request at a time: a pipelined request that arrives while another is
// in flight is refused without reading its body (see requestStarted), so memory is bounded by
// maxConnections × (request body limit + header limit).

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionLimits {
  maxConnections: number;
  idleTimeoutMs: number;
}

export interface ConnectionTracker {
  /**
   * Call when a request arrives on a connection; it stays busy until the response closes. False
   * when another request on the same connection is still in flight (HTTP pipelining): the caller
   * refuses this one without reading its body.
   */
  requestStarted(req: IncomingMessage, res: ServerResponse): boolean;
  /** Open connections now (for tests and metrics). */
  readonly open: number;
}

export function limitConnections(server: Server, limits: ConnectionLimits): ConnectionTracker {
  // Insertion order is connection age: the first idle entry is the oldest idle connection.
  const inFlight = new Map<Socket, number>();

  server.on("connection", (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once("close", () => inFlight.delete(socket));
    // Until its first request; node:http's own timeouts take over from there.
    socket.setTimeout(limits.idleTimeoutMs);
    if (inFlight.size > limits.maxConnections) evictFor(socket);
  });

  function evictFor(newcomer: Socket): void {
    for (const [socket, busy] of inFlight) {
      if (busy === 0 && socket !== newcomer) {
        inFlight.delete(socket);
        socket.destroy();
        return;
      }
    }
    inFlight.delete(newcomer);
    newcomer.destroy();
  }

  return {
    requestStarted(req, res) {
      const socket = req.socket;
      socket.setTimeout(0);
      if (!inFlight.has(socket)) return true;
      const busy = inFlight.get(socket) ?? 0;
      res.once("close", () => {
        const now = inFlight.get(socket);
        if (now !== undefined) inFlight.set(socket, Math.max(0, now - 1));
      });
      inFlight.set(socket, busy + 1);
      return busy === 0;
    },
    get open() {
      return inFlight.size;
    },
  };
}
