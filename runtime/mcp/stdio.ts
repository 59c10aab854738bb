// MCP over stdio: newline-delimited JSON-RPC in, one line per response out.
// stdout carries protocol messages only; anything else a server says goes to stderr.

import { StringDecoder } from "node:string_decoder";
import type { Readable, Writable } from "node:stream";
import { errorResponse, handleText, JSONRPC_INTERNAL_ERROR, JSONRPC_PARSE_ERROR, serializeResponse } from "./protocol.ts";
import type { JsonRpcResponse, McpServerCore } from "./protocol.ts";

export interface StdioOptions {
  input?: Readable;
  output?: Writable;
  /** A line longer than this (in characters) is dropped with a parse error, so one bad peer cannot exhaust memory. */
  maxLineLength?: number;
}

const DEFAULT_MAX_LINE_LENGTH = 4 * 1024 * 1024;

/** Serves until the input ends, then resolves once every in-flight request has been answered. */
export function serveStdio(core: McpServerCore, options: StdioOptions = {}): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const decoder = new StringDecoder("utf8");

  let pending = "";
  let discarding = false; // inside an over-long line: skip to the next newline
  let inFlight = 0;
  let inputEnded = false;
  let outputBroken = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  // A reader that went away (EPIPE) must not crash the server; later replies are simply dropped.
  output.on("error", () => {
    outputBroken = true;
  });

  // Replies finished in the same turn of the event loop leave in one write: under load many database
  // results arrive together, and a write per reply would cost a system call each.
  let queued = "";
  let flushScheduled = false;
  function flush(): void {
    flushScheduled = false;
    if (queued === "" || outputBroken) return;
    const text = queued;
    queued = "";
    output.write(text);
  }

  function write(response: JsonRpcResponse): void {
    if (outputBroken) return;
    let line: string;
    try {
      line = serializeResponse(response);
    } catch {
      line = JSON.stringify(errorResponse(response.id, JSONRPC_INTERNAL_ERROR, "Internal error"));
    }
    queued += line + "\n";
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  }

  function settle(): void {
    if (inputEnded && inFlight === 0) {
      flush();
      finish();
    }
  }

  function dispatch(line: string): void {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") return;
    inFlight++;
    handleText(core, line)
      .then((response) => {
        if (response !== undefined) write(response);
      })
      .catch(() => write(errorResponse(null, JSONRPC_INTERNAL_ERROR, "Internal error")))
      .finally(() => {
        inFlight--;
        settle();
      });
  }

  function onText(text: string): void {
    let start = 0;
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      if (discarding) discarding = false;
      else dispatch(pending + text.slice(start, newline));
      pending = "";
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    if (discarding) return;
    pending += text.slice(start);
    if (pending.length > maxLine) {
      pending = "";
      discarding = true;
      write(errorResponse(null, JSONRPC_PARSE_ERROR, "Parse error: message too large"));
    }
  }

  input.on("data", (chunk: Buffer | string) => onText(typeof chunk === "string" ? chunk : decoder.write(chunk)));
  input.on("end", () => {
    const rest = pending + decoder.end();
    pending = "";
    if (!discarding) dispatch(rest);
    inputEnded = true;
    settle();
  });
  // A destroyed or failed input (e.g. shutdown on SIGTERM) ends serving just like end-of-input.
  const stop = (): void => {
    inputEnded = true;
    settle();
  };
  input.on("error", stop);
  input.on("close", stop);
  return done;
}
