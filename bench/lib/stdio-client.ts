// A deliberately lean JSON-RPC client over a child's stdio: requests are pre-built strings and
// responses are matched by the id at the front of each line, so the load generator stays cheap
// next to the server it measures. (The SDK client validates every message and costs more than
// the server does.)

import type { ChildProcess } from "node:child_process";

type Waiter = (line: string) => void;

export class StdioRpcClient {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 1;
  #pending = "";
  #failure: Error | undefined;

  constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => this.#onText(text));
    child.on("exit", (code) => this.#fail(new Error(`server exited with ${code}`)));
  }

  /** Sends one request (params already JSON text) and resolves with the raw response line. */
  request(method: string, paramsJson: string): Promise<string> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.stdin!.write(`{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${paramsJson}}\n`);
    });
  }

  notify(method: string): void {
    this.#child.stdin!.write(`{"jsonrpc":"2.0","method":"${method}"}\n`);
  }

  #onText(text: string): void {
    let start = 0;
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      const line = this.#pending + text.slice(start, newline);
      this.#pending = "";
      this.#deliver(line);
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    this.#pending += text.slice(start);
  }

  #deliver(line: string): void {
    // Our server always writes {"jsonrpc":"2.0","id":N,...}; anything else is a protocol bug.
    const at = line.indexOf('"id":');
    const id = at === -1 ? Number.NaN : Number.parseInt(line.slice(at + 5, line.indexOf(",", at)), 10);
    const waiter = this.#waiting.get(id);
    if (!waiter) {
      this.#fail(new Error(`unexpected response line: ${line.slice(0, 200)}`));
      return;
    }
    this.#waiting.delete(id);
    waiter(line);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    if (this.#waiting.size > 0) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(1);
    }
  }
}
