// MCP over stdio: newline-delimited JSON-RPC in, one line per response out.
// stdout carries protocol messages only; anything else a server says goes to stderr.

import { StringDecoder } from "node:string_decoder";
import type { Readable, Writable } from "node:stream";
import { errorResponse, handleText, JSONRPC_INTERNAL_ERROR, JSONRPC_PARSE_ERROR, serializeReply } from "./protocol.ts";
import type { JsonRpcReply, McpServerCore, ProtocolVersionState } from "./protocol.ts";

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

  // One client per stdio connection: the version its initialize agreed decides whether batches are answered.
  const versionState: ProtocolVersionState = { protocolVersion: undefined };
  let pending = "";
  let discarding = false; // inside an over-long line: skip to the next newline
  let inFlight = 0;
  let inputEnded = false;
  let outputBroken = false;
  let waitingForDrain = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  // A reader that went away (EPIPE) must not crash the server; later replies are simply dropped,
  // and reading resumes if it was waiting for a drain that will never come, so input can still end.
  output.on("error", () => {
    outputBroken = true;
    queued = "";
    if (waitingForDrain) {
      waitingForDrain = false;
      if (!inputEnded) input.resume();
    }
  });

  // Replies finished by the same callback leave in one write: under load one ledger group commit
  // answers many calls at once, and a write per reply would cost a system call each. The flush is a
  // nextTick, which runs once every promise continuation of that callback has run (all their
  // replies are queued by then), and still in the same turn of the event loop: a setImmediate
  // scheduled from the group commit's own setImmediate would wait a whole extra loop iteration
  // (an epoll_wait and a timer check) before the reply left, on every sequential call.
  let queued = "";
  let flushScheduled = false;
  // Backpressure: when the reader falls behind (write() returned false) we stop reading requests
  // until 'drain', so replies cannot pile up in memory; what is queued then is at most the replies
  // to requests already read. The client's own writes to us block in turn.
  function flush(): void {
    flushScheduled = false;
    if (queued === "" || outputBroken || waitingForDrain) return;
    const text = queued;
    queued = "";
    if (!output.write(text)) {
      waitingForDrain = true;
      input.pause();
      output.once("drain", onDrain);
    }
  }
  function onDrain(): void {
    waitingForDrain = false;
    flush();
    if (!waitingForDrain && !inputEnded) input.resume();
  }

  function write(reply: JsonRpcReply): void {
    if (outputBroken) return;
    let line: string;
    try {
      line = serializeReply(reply);
    } catch {
      line = JSON.stringify(errorResponse(Array.isArray(reply) ? null : reply.id, JSONRPC_INTERNAL_ERROR, "Internal error"));
    }
    queued += line + "\n";
    if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flush);
    }
  }

  function settle(): void {
    if (inputEnded && inFlight === 0) {
      // Nothing more can arrive: the last replies go to the stream's buffer behind what it holds
      // (bounded, in order) rather than waiting for a reader that may never drain.
      waitingForDrain = false;
      flush();
      finish();
    }
  }

  function dispatch(line: string): void {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") return;
    inFlight++;
    handleText(core, line, versionState)
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
