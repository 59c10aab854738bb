// The read hot path's performance changes keep behaviour: spliced serialisation equals
// JSON.stringify, batched ledger writes store every read and isolate a bad one, stdio replies
// finished together leave in one write, and a stdio server never loads node:http.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { ReadRecord } from "../../runtime/ledger/records.ts";
import { groupCommit } from "../../runtime/ledger/read-batch.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import { createMcpServerCore, serializeResponse } from "../../runtime/mcp/protocol.ts";
import { withRawJson } from "../../runtime/mcp/raw-json.ts";
import { serveStdio } from "../../runtime/mcp/stdio.ts";
import { createEchoHost } from "../fixtures/echo-host.ts";

const root = mkdtempSync(join(tmpdir(), "hot-path-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

function read(n: number, overrides: Partial<ReadRecord> = {}): ReadRecord {
  return {
    capability: "billing.inspect_invoice",
    tenantId: "tenant_a",
    principal: "agent:support",
    source: "app_db",
    table: "public.invoices",
    statementFingerprint: "3f9a1c0d2b7e6a54",
    args: { invoice_id: `inv_${n}` },
    redactedParams: [`inv_${n}`, "<context:tenant_id>"],
    rows: [{ id: `inv_${n}`, amount_cents: n }],
    objectIds: [`inv_${n}`],
    durationMs: 1,
    withEvidence: true,
    ...overrides,
  };
}

describe("serializeResponse", () => {
  test("splices a recorded result text and matches JSON.stringify exactly", () => {
    const result = { content: [{ type: "text", text: '{"ok":true,"s":"a\\"b"}' }], structuredContent: { ok: true, s: 'a"b' } };
    const response = { jsonrpc: "2.0" as const, id: "req-7", result: withRawJson(result, JSON.stringify(result)) };
    assert.equal(serializeResponse(response), JSON.stringify(response));
  });

  test("uses the recorded text rather than serialising the result again", () => {
    const response = { jsonrpc: "2.0" as const, id: 3, result: withRawJson({ a: 1 }, '{"spliced":true}') };
    assert.equal(serializeResponse(response), '{"jsonrpc":"2.0","id":3,"result":{"spliced":true}}');
  });
});

describe("batched read records", () => {
  test("recordReads stores every read of the batch and returns their ids", async () => {
    const ledger = await openLedger({ path: join(root, "batch.sqlite") });
    try {
      const outcomes = await ledger.reads.recordReads([read(1), read(2), read(3, { withEvidence: false, rows: [], objectIds: [] })]);
      assert.equal(outcomes.length, 3);
      for (const [i, outcome] of outcomes.entries()) {
        assert.ok(outcome.ok, `read ${i} recorded`);
        if (!outcome.ok) continue;
        assert.equal(outcome.evidenceId === null, i === 2);
        if (outcome.evidenceId) assert.deepEqual((await ledger.reads.getEvidence(outcome.evidenceId))?.args, { invoice_id: `inv_${i + 1}` });
      }
      assert.equal((await ledger.reads.listQueryAudit({})).length, 3);
    } finally {
      await ledger.close();
    }
  });

  test("a read that cannot be serialised fails alone; the rest of the batch is stored", async () => {
    const ledger = await openLedger({ path: join(root, "isolated.sqlite") });
    try {
      const outcomes = await ledger.reads.recordReads([read(1), read(2, { rows: [{ id: "inv_2", big: 1n }] }), read(3)]);
      assert.deepEqual(outcomes.map((o) => o.ok), [true, false, true]);
      assert.equal((await ledger.reads.listEvidence({})).length, 2);
    } finally {
      await ledger.close();
    }
  });

  test("concurrent reads through the port share one batch and each gets its own ids", async () => {
    const ledger = await openLedger({ path: join(root, "recorder.sqlite") });
    const batchSizes: number[] = [];
    // The same group commit the read log uses, over the async port (the branch a network store takes).
    const record = groupCommit((records) => {
      batchSizes.push(records.length);
      return ledger.reads.recordReads(records);
    });
    try {
      const results = await Promise.all([1, 2, 3, 4].map((n) => record(read(n))));
      assert.deepEqual(batchSizes, [4]);
      assert.equal(new Set(results.map((r) => r.evidenceId)).size, 4);
      await assert.rejects(record(read(5, { rows: [{ big: 1n }] })), TypeError);
      const direct = await Promise.all([6, 7].map((n) => ledger.reads.recordRead(read(n))));
      assert.equal(new Set(direct.map((r) => r.queryAuditId)).size, 2);
      assert.equal((await ledger.reads.listQueryAudit({})).length, 6);
    } finally {
      await ledger.close();
    }
  });

  test("a synchronous writer answers the batch without another promise turn, and a writer that throws fails the whole batch", async () => {
    const seen: number[] = [];
    const record = groupCommit((records) => {
      seen.push(records.length);
      return records.map((_, i) => ({ ok: true as const, evidenceId: null, queryAuditId: `qa_${i}` }));
    });
    assert.deepEqual(await Promise.all([record(read(1)), record(read(2))]), [
      { evidenceId: null, queryAuditId: "qa_0" },
      { evidenceId: null, queryAuditId: "qa_1" },
    ]);
    assert.deepEqual(seen, [2]);
    const broken = groupCommit(() => {
      throw new Error("store is gone");
    });
    const settled = await Promise.allSettled([broken(read(1)), broken(read(2))]);
    assert.deepEqual(settled.map((s) => s.status), ["rejected", "rejected"]);
  });
});

describe("stdio output", () => {
  test("replies finished in the same turn leave in one write, one line each", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const writes: string[] = [];
    const originalWrite = output.write.bind(output);
    output.write = ((chunk: string) => {
      writes.push(chunk);
      return originalWrite(chunk);
    }) as typeof output.write;
    const done = serveStdio(createMcpServerCore(createEchoHost()), { input, output });
    const requests = [1, 2, 3, 4, 5].map((id) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" })).join("\n");
    input.end(requests + "\n");
    await done;
    assert.equal(writes.length, 1);
    const lines = writes.join("").trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.id).sort(), [1, 2, 3, 4, 5]);
  });

  test("replies answered by one group commit leave in one write, before the event loop's next turn", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const events: string[] = [];
    const writes: string[] = [];
    const originalWrite = output.write.bind(output);
    output.write = ((chunk: string) => {
      events.push("write");
      writes.push(chunk);
      return originalWrite(chunk);
    }) as typeof output.write;
    // The product's recorder with a synchronous store; the batch also schedules a marker for the next turn.
    const record = groupCommit((records) => {
      events.push(`commit ${records.length}`);
      setImmediate(() => events.push("next turn"));
      return records.map((_, i) => ({ ok: true as const, evidenceId: `ev_${i}`, queryAuditId: `qa_${i}` }));
    });
    const echo = createEchoHost();
    const host = {
      ...echo,
      async callTool(name: string, args: unknown) {
        const result = await echo.callTool(name, args);
        await record(read(1));
        // Continuations of different lengths still finish before the flush.
        for (let i = 0; i < (args as { a: number }).a; i++) await Promise.resolve();
        return result;
      },
    };
    const done = serveStdio(createMcpServerCore(host), { input, output });
    const calls = [1, 2, 3, 4, 5].map((id) =>
      JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo.add", arguments: { a: id * 3, b: 1 } } }),
    );
    input.write(calls.join("\n") + "\n");
    while (!events.includes("next turn")) await new Promise((resolve) => setImmediate(resolve));
    input.end();
    await done;
    assert.deepEqual(events.slice(0, 3), ["commit 5", "write", "next turn"]);
    assert.equal(writes.length, 1);
    const lines = writes[0]!.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.id).sort(), [1, 2, 3, 4, 5]);
    assert.ok(lines.every((l) => l.result?.structuredContent?.ok === true));
  });
});

describe("start-up", () => {
  test("loading the runtime for a stdio server does not load node:http (and Node's undici with it)", () => {
    const script = `await import(${JSON.stringify(new URL("../../runtime/index.ts", import.meta.url).href)});
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (http|internal\\/deps\\/undici)/.test(m))));`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout.trim()), []);
  });
});
