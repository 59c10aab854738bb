// Adapts the framework-neutral handle() to node:http (and anything passing the same req/res).
// The raw bytes are kept as received because the signature covers exactly those bytes.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { HandlerRequest, HandlerResponse } from "./types.ts";

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Writeback requests are small; a larger body is refused before it is buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

export function nodeAdapter(handle: (request: HandlerRequest) => Promise<HandlerResponse>): NodeHandler {
  return (req, res) => {
    const send = (response: HandlerResponse) => {
      if (!res.headersSent) res.writeHead(response.status, response.headers);
      res.end(response.body);
    };
    if (req.method !== "POST") {
      send({ status: 405, headers: { allow: "POST", "content-type": "text/plain" }, body: "POST only\n" });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES && !refused) {
        refused = true;
        send({ status: 413, headers: { "content-type": "text/plain", connection: "close" }, body: "Request body too large\n" });
        req.destroy();
        return;
      }
      if (!refused) chunks.push(chunk);
    });
    req.on("end", () => {
      if (refused) return;
      handle({ headers: req.headers, body: Buffer.concat(chunks) }).then(send, () =>
        send({ status: 500, headers: { "content-type": "application/json" }, body: JSON.stringify({ status: "failed", safe_error_code: "INTERNAL" }) }),
      );
    });
    req.on("error", () => {});
  };
}
