// `apply --job FILE` checks the job file before it compiles, opens the ledger or runs anything.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_CONFIG_PATH } from "../support/example.ts";

const job = (issuedAt: string) => ({
  protocol_version: "1.0",
  proposal_id: "wrp_abc234",
  idempotency_key: "wrp_abc234:INV-3001",
  issued_at: issuedAt,
  change_set: {
    action: "billing.propose_late_fee_waiver",
    scope: { tenant_id: "tenant_acme", object_id: "INV-3001" },
    principal: { id: "agent-7" },
    target: { schema: "public", table: "invoices", primary_key: { column: "id", value: "INV-3001" } },
    before: { late_fee_cents: 2500 },
    patch: { late_fee_cents: 0 },
    after: { late_fee_cents: 0 },
    guards: { tenant: { column: "tenant_id", value: "tenant_acme" }, expected_version: null, transitions: [] },
    evidence: { bundle_id: "evb_1" },
  },
  approval: { actor: "dana", role: "billing_lead", approved_at: new Date().toISOString(), proposal_hash: "a".repeat(64) },
});

test("a job file whose issued_at is in the future or not a real date is refused with the fix; the store is not even opened", async () => {
  const dir = tempDir("synapsor-job-");
  const store = join(dir, "ledger.db");
  for (const issuedAt of ["2099-01-01T00:00:00Z", "2026-02-30T00:00:00Z"]) {
    const path = join(dir, "job.json");
    writeFileSync(path, JSON.stringify(job(issuedAt)));
    const r = await runCli(["apply", "--job", path, "--config", EXAMPLE_CONFIG_PATH, "--store", store]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /is not a valid writeback job; nothing was applied/);
    assert.match(r.stderr, /\/issued_at /);
    assert.match(r.stderr, /Write it again with `synapsor-runner proposals writeback-job ID --output .*job\.json`/);
    assert.equal(existsSync(store), false, "nothing was opened or created");
  }
});
