// An MCP client transport over a child process the test spawned itself, so the test keeps the
// process handle (to signal it and read its exit code) while the SDK's real Client speaks to it.

import type { ChildProcess } from "node:child_process";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export class ChildStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #child: ChildProcess;
  readonly #buffer = new ReadBuffer();

  constructor(child: ChildProcess) {
    this.#child = child;
    // A server that stopped reading closes its end; a late write must not fail the test process.
    child.stdin!.on("error", () => undefined);
  }

  async start(): Promise<void> {
    this.#child.stdout!.on("data", (chunk: Buffer) => {
      this.#buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.#buffer.readMessage();
        } catch (err) {
          this.onerror?.(err as Error);
          continue;
        }
        if (message === null) break;
        this.onmessage?.(message);
      }
    });
    this.#child.stdout!.once("close", () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    // The server may have stopped reading (draining): a write to a closed pipe is not the test's failure.
    if (!this.#child.stdin!.writable) return;
    this.#child.stdin!.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.#child.stdin!.end();
  }
}
