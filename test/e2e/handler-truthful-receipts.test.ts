// What an app handler did is recorded truthfully. A handler that had the request and gave no
// valid receipt (timeout, killed, non-zero exit, output that is not a receipt) may have written:
// its receipt says source_database_mutated "unknown", never false. A valid receipt is kept even
// when a background child holds stdout open after it, or its effects are long.
// Real child processes and a real HTTP server; no timing is asserted, only that nothing hangs.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCommandHandlerExecutor } from "../../runtime/executors/command-handler.ts";
import { createHttpHandlerExecutor } from "../../runtime/executors/http-handler.ts";
import { closeServer, listen, writebackRequest } from "../fixtures/handlers/billing-app.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/handlers/${name}`, import.meta.url));
const quote = (a: string) => `'${a}'`;
const node = (script: string, ...args: string[]) => [process.execPath, fixture(script), ...args].map(quote).join(" ");
/** A node one-liner as a shell word; the receipt it prints reads the request from stdin first. */
const nodeEval = (code: string) => `${quote(process.execPath)} -e ${quote(code)}`;
/** Generous: these tests prove a result comes from the handler's answer, not from the timeout. */
const LONG = 120_000;

function killQuietly(pidFile: string): void {
  try {
    process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
  } catch {
    // Already gone.
  }
}

describe("command_handler: a valid receipt is kept", () => {
  test("a background child that keeps stdout open after the receipt does not hang apply or lose the receipt", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "sr-cmd-bg-"));
    const pidFile = join(dir, "pid");
    try {
      // The sleeper inherits stdout and outlives the shell; the executor must not wait for it.
      const command = `${node("receipt-ok.mjs")}; sleep 300 & echo $! > ${quote(pidFile)}`;
      const { receipt } = await createCommandHandlerExecutor({ command, timeoutMs: LONG }).execute(writebackRequest({ objectId: "INV-9" }));
      assert.equal(receipt.status, "applied", JSON.stringify(receipt));
      assert.equal(receipt.source_database_mutated, true);
      assert.deepEqual(receipt.details.effects, [{ type: "script.applied", id: "INV-9" }]);
    } finally {
      killQuietly(pidFile);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("long effect strings, many effects and odd fields are bounded; the applied receipt stays intact", async () => {
    const code = `
      let s = ""; process.stdin.on("data", (d) => (s += d)); process.stdin.on("end", () => {
        const effects = Array.from({ length: 50 }, (_, i) => ({ type: "note", i, text: "x".repeat(10000), nested: { a: [1, 2] }, "bad key!": 1 }));
        process.stdout.write(JSON.stringify({ status: "applied", rows_affected: 1, source_database_mutated: true,
          previous_version: null, new_version: "v2", details: { effects } }));
      });`;
    const { receipt } = await createCommandHandlerExecutor({ command: nodeEval(code), timeoutMs: LONG }).execute(writebackRequest({}));
    assert.equal(receipt.status, "applied", JSON.stringify(receipt).slice(0, 500));
    assert.equal(receipt.source_database_mutated, true);
    assert.equal(receipt.new_version, "v2");
    assert.ok(receipt.details.effects.length <= 20, "the number of effects is bounded");
    assert.equal(receipt.details.truncated, true, "the receipt says something was cut");
    const first = receipt.details.effects[0] as Record<string, unknown>;
    assert.equal(first.type, "note");
    assert.ok(String(first.text).length <= 201 && String(first.text).endsWith("…"));
    assert.ok(JSON.stringify(receipt).length < 20_000, "the stored receipt stays small");
  });
});

describe("command_handler: when the outcome is uncertain the receipt never says the database was not changed", () => {
  const cases: Array<[string, string, string]> = [
    ["a timeout", `${node("receipt-ok.mjs")}; sleep 300`, "HANDLER_TIMEOUT"],
    ["a handler killed by a signal", `${node("receipt-ok.mjs")}; kill -9 $$`, "HANDLER_FAILED"],
    ["a non-zero exit", node("exit-nonzero.mjs"), "HANDLER_FAILED"],
    ["output that is not JSON", node("bad-json.mjs"), "HANDLER_BAD_RESPONSE"],
    ["output that is not a receipt", `cat > /dev/null; echo '{"status":"applied"}'`, "HANDLER_BAD_RESPONSE"],
    ["output larger than a receipt can be", `cat > /dev/null; head -c 3000000 /dev/zero | tr '\\0' x`, "HANDLER_BAD_RESPONSE"],
  ];
  for (const [label, command, code] of cases) {
    test(label, async () => {
      const timeoutMs = code === "HANDLER_TIMEOUT" ? 1500 : LONG;
      const { receipt } = await createCommandHandlerExecutor({ command, timeoutMs }).execute(writebackRequest({}));
      assert.equal(receipt.status, "failed");
      assert.equal(receipt.safe_error_code, code);
      assert.equal(receipt.source_database_mutated, "unknown");
      assert.match(receipt.message, /may have/);
    });
  }

  test("a command that never had the request (it could not start) did not change anything", async () => {
    const { receipt } = await createCommandHandlerExecutor({ command: "exec /nonexistent/handler-binary", timeoutMs: LONG }).execute(writebackRequest({}));
    assert.equal(receipt.status, "failed");
    // The shell started and had the request; only the exec failed. Exit 127 is still a non-zero exit.
    assert.equal(receipt.source_database_mutated, "unknown");
  });
});

describe("http_handler: a timeout or a reply that is not a receipt is uncertain too", () => {
  test("a handler that takes the request and never answers", async () => {
    const server = createServer(() => {
      // Holds the request: it may be writing.
    });
    const url = await listen(server);
    try {
      const { receipt } = await createHttpHandlerExecutor({ url, timeoutMs: 500, method: "POST" }).execute(writebackRequest({}));
      assert.equal(receipt.safe_error_code, "HANDLER_TIMEOUT");
      assert.equal(receipt.source_database_mutated, "unknown");
    } finally {
      server.closeAllConnections();
      await closeServer(server);
    }
  });

  test("a 2xx reply that is not a receipt", async () => {
    const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    const url = await listen(server);
    try {
      const { receipt } = await createHttpHandlerExecutor({ url, timeoutMs: LONG, method: "POST" }).execute(writebackRequest({}));
      assert.equal(receipt.safe_error_code, "HANDLER_BAD_RESPONSE");
      assert.equal(receipt.source_database_mutated, "unknown");
    } finally {
      await closeServer(server);
    }
  });

  test("a handler that reads the whole request and then drops the connection may have written", async () => {
    const server = createServer((req) => {
      req.resume();
      req.on("end", () => req.socket.destroy());
    });
    const url = await listen(server);
    try {
      const { receipt } = await createHttpHandlerExecutor({ url, timeoutMs: LONG, method: "POST" }).execute(writebackRequest({}));
      assert.equal(receipt.status, "failed");
      assert.equal(receipt.source_database_mutated, "unknown");
    } finally {
      await closeServer(server);
    }
  });

  test("a redirect is refused before anything is sent to the new address: nothing changed", async () => {
    const server = createServer((_req, res) => res.writeHead(307, { location: "http://127.0.0.1:1/" }).end());
    const url = await listen(server);
    try {
      const { receipt } = await createHttpHandlerExecutor({ url, timeoutMs: LONG, method: "POST" }).execute(writebackRequest({}));
      assert.equal(receipt.safe_error_code, "HANDLER_UNREACHABLE");
      assert.equal(receipt.source_database_mutated, false);
    } finally {
      await closeServer(server);
    }
  });

  test("a port nobody listens on: the request was never delivered, so nothing changed", async () => {
    const server = createServer();
    const url = await listen(server);
    await closeServer(server);
    const { receipt } = await createHttpHandlerExecutor({ url, timeoutMs: LONG, method: "POST" }).execute(writebackRequest({}));
    assert.equal(receipt.safe_error_code, "HANDLER_UNREACHABLE");
    assert.equal(receipt.source_database_mutated, false);
  });
});
