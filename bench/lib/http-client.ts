// A lean Streamable HTTP (stateless POST) JSON-RPC client on node:http keep-alive sockets,
// so measuring the server is not drowned by client-side work.

import { Agent, request } from "node:http";

export class HttpRpcClient {
  readonly #agent: Agent;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  #nextId = 1;

  /** `token` undefined: no Authorization header (a server without auth). */
  constructor(url: string, token: string | undefined, sockets: number) {
    this.#url = new URL(url);
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
    this.#headers = {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2025-11-25",
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
    };
  }

  /** Posts one request and resolves with the response body; rejects on a non-200 status. */
  request(method: string, paramsJson: string): Promise<string> {
    const body = `{"jsonrpc":"2.0","id":${this.#nextId++},"method":"${method}","params":${paramsJson}}`;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path: this.#url.pathname,
          method: "POST",
          agent: this.#agent,
          headers: { ...this.#headers, "Content-Length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
