// stdout backpressure in the stdio transport: when the client stops reading, the server stops
// reading requests instead of piling replies up in memory, and once the client reads again every
// reply arrives, whole and in order. In process (a sink we hold, so what is pending can be counted)
// and over a raw pipe to a spawned server whose stdout nobody reads for a while.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createMcpServerCore } from "../../runtime/mcp/protocol.ts";
import { serveStdio } from "../../runtime/mcp/stdio.ts";
import { createEchoHost } from "../fixtures/echo-host.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/serve-fixture.ts", import.meta.url));
const REQUESTS = 2000;
const TEXT_LENGTH = 2000;

/** Newline-delimited echo.say calls, ids 1..n, each text naming its id. */
function requestLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const say = `${i + 1}:`.padEnd(TEXT_LENGTH, "x");
    return JSON.stringify({ jsonrpc: "2.0", id: i + 1, method: "tools/call", params: { name: "echo.say", arguments: { text: say } } }) + "\n";
  });
}

/** Every reply is whole, answers ids 1..n in order, and echoes its own request's text. */
function assertAllInOrder(output: string, n: number): void {
  const lines = output.split("\n");
  assert.equal(lines.pop(), "", "the output ends with a newline");
  assert.equal(lines.length, n, "no reply lost or duplicated");
  lines.forEach((line, i) => {
    const reply = JSON.parse(line) as { id: number; result: { structuredContent: { data: { text: string } } } };
    assert.equal(reply.id, i + 1, "replies leave in order");
    assert.equal(reply.result.structuredContent.data.text, `${i + 1}:`.padEnd(TEXT_LENGTH, "x"));
  });
}

/** Resolves once `ready()` holds, checking every 20 ms; fails after a generous bound. */
async function until(ready: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  for (let waited = 0; !ready(); waited += 20) {
    if (waited > limitMs) assert.fail(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A stdout whose reader is paused until released: it accepts one chunk and holds its callback. */
class HeldSink extends Writable {
  received = "";
  private held: (() => void) | undefined;
  private flowing = false;
  constructor() {
    super({ highWaterMark: 16 * 1024, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.received += String(chunk);
    if (this.flowing) setImmediate(callback);
    else this.held = callback;
  }
  get isHolding(): boolean {
    return this.held !== undefined;
  }
  release(): void {
    this.flowing = true;
    const callback = this.held;
    this.held = undefined;
    callback?.();
  }
}

describe("stdio backpressure", () => {
  test("in process: a stalled reader pauses request reading; nothing is written past a full buffer; all replies follow in order", async () => {
    const input = new PassThrough();
    const output = new HeldSink();
    let maxPending = 0;
    let writesPastFullBuffer = 0;
    const write = output.write.bind(output);
    output.write = ((chunk: string) => {
      if (output.writableNeedDrain) writesPastFullBuffer++;
      const ok = write(chunk);
      maxPending = Math.max(maxPending, output.writableLength);
      return ok;
    }) as typeof output.write;

    const served = serveStdio(createMcpServerCore(createEchoHost()), { input, output });
    // A client as a pipe would feed it: about 32 KiB per turn of the event loop, and waiting
    // whenever the server's input is full.
    const lines = requestLines(REQUESTS);
    let sent = 0;
    const producing = (async () => {
      for (const line of lines) {
        if (!input.write(line)) await once(input, "drain");
        if (++sent % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      input.end();
    })();

    await until(() => output.isHolding && output.writableNeedDrain && input.isPaused(), "the server to pause reading");
    // Let any replies still in flight settle: they must queue, not be written past the full buffer.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    const sentWhileStalled = sent;
    assert.ok(sentWhileStalled < REQUESTS / 2, `the client is held back too: ${sentWhileStalled} of ${REQUESTS} requests sent while the reader stalls`);
    const stalledAt = output.received.length;

    output.release();
    await producing;
    await served;
    await until(() => output.writableLength === 0, "the sink to take every reply");

    assert.equal(writesPastFullBuffer, 0, "no write while a drain was awaited");
    // Total output is about 2000 × 4.2 KB ≈ 8 MB; what was ever pending is a small fraction of that.
    assert.ok(maxPending < 1024 * 1024, `at most ${maxPending} bytes were pending at once`);
    assert.ok(stalledAt < 1024 * 1024, `only ${stalledAt} bytes were handed over while stalled`);
    assertAllInOrder(output.received, REQUESTS);
  });

  test("in process: a reader that goes away while the server waits for a drain still lets serving end", async () => {
    const input = new PassThrough();
    const output = new HeldSink();
    const served = serveStdio(createMcpServerCore(createEchoHost()), { input, output });
    const lines = requestLines(200);
    for (const [i, line] of lines.entries()) {
      input.write(line);
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => input.isPaused(), "the server to pause reading");
    output.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    input.end();
    await served;
  });

  test("raw pipe: a spawned server whose stdout is not read stops reading stdin, then answers everything in order", async (t) => {
    const child = spawn(process.execPath, [FIXTURE, "stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdout.pause();
    t.after(() => void child.kill());

    const all = requestLines(REQUESTS).join("");
    child.stdin.write(all);
    // The server stops reading once its stdout is full: our side keeps a backlog that no longer shrinks.
    let last = -1;
    let steady = 0;
    await until(() => {
      const backlog = child.stdin.writableLength;
      steady = backlog > 0 && backlog === last ? steady + 1 : 0;
      last = backlog;
      return steady >= 25;
    }, "the server to stop reading its stdin");
    assert.ok(last > all.length / 2, `most of ${all.length} bytes are still unread by the server (${last})`);

    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stdout.resume();
    child.stdin.end();
    assert.equal(await exited, 0, stderr);
    assert.equal(stderr, "");
    assertAllInOrder(output, REQUESTS);
  });
});
