// A webhook receiver on loopback for `events tail --follow --webhook-url-env` tests: counts the
// POSTs per event id (the X-Synapsor-Event-Id header, checked against the body's event_id).

import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Receiver {
  url: string;
  /** Requests received per event id (by the X-Synapsor-Event-Id header, checked against the body). */
  hits: Map<number, number>;
  close(): Promise<void>;
}

export async function receiver(answer: (id: number, req: IncomingMessage, res: ServerResponse) => void = (_id, _req, res) => res.end("ok")): Promise<Receiver> {
  const hits = new Map<number, number>();
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      const id = Number(req.headers["x-synapsor-event-id"]);
      assert.equal((JSON.parse(body) as { event_id: number }).event_id, id);
      hits.set(id, (hits.get(id) ?? 0) + 1);
      answer(id, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    hits,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
