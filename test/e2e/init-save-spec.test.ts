// init --save-spec FILE writes the run's choices as an onboarding selection
// (schemas/onboarding-selection.v1.schema.json), and init --spec FILE reads it back into the
// same config; the wizard's writer saves its answers the same way. No database: saved snapshots.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { snapshotJson } from "../../compiler/inspect/snapshot-file.ts";
import { writeSelection } from "../../operator/onboard/wizard/write.ts";
import { runCli } from "../support/cli.ts";
import { clinicSnapshot } from "../support/clinic-schema.ts";
import { tempDir } from "../support/compiled-server.ts";
import { assertMatchesSchema } from "../support/protocol-schemas.ts";

const REVIEW_FLAGS = [
  "--table", "appointments", "--tenant-column", "clinic_id", "--mode", "review",
  "--visible-columns", "id,status,scheduled_at", "--patch", "status=fixed:cancelled,cancel_reason=arg:reason",
  "--status-guards", "status=scheduled:cancelled", "--conflict-column", "updated_at", "--write-url-env", "CLINIC_WRITE_URL",
  "--tenant-env", "CLINIC_ID", "--list-tool", "--filters", "status",
];

test("init --save-spec writes a selection the schema accepts, and init --spec rebuilds the same config from it", async () => {
  const dir = tempDir("synapsor-save-spec-");
  try {
    writeFileSync(join(dir, "snap.json"), snapshotJson(clinicSnapshot()));
    const first = await runCli(["init", "--inspection-json", "snap.json", ...REVIEW_FLAGS, "--out", "first.json", "--save-spec", "selection.json", "--json"], { cwd: dir });
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const written = JSON.parse(first.stdout) as { written: Array<{ kind: string; path: string }> };
    assert.ok(written.written.some((w) => w.kind === "onboarding_selection" && w.path === join(dir, "selection.json")), first.stdout);

    const spec = JSON.parse(readFileSync(join(dir, "selection.json"), "utf8"));
    assertMatchesSchema("onboarding-selection.v1", spec, "the saved selection");
    assert.equal(spec.version, 1);
    assert.equal(spec.table, "appointments");
    assert.deepEqual(spec.patch, { status: { fixed: "cancelled" }, cancel_reason: { from_arg: "reason" } });
    assert.equal(spec.schema_snapshot, "./snap.json", "paths are relative to the config's directory");
    assert.ok(!/postgres:|mysql:/.test(readFileSync(join(dir, "selection.json"), "utf8")), "names of variables, never URLs");

    const again = await runCli(["init", "--spec", "selection.json", "--out", "second.json", "--non-interactive", "--json"], { cwd: dir });
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal(readFileSync(join(dir, "second.json"), "utf8"), readFileSync(join(dir, "first.json"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("init --save-spec onto an existing file is refused like any other file, and nothing is written", async () => {
  const dir = tempDir("synapsor-save-spec-exists-");
  try {
    writeFileSync(join(dir, "snap.json"), snapshotJson(clinicSnapshot()));
    writeFileSync(join(dir, "selection.json"), "{}\n");
    const r = await runCli(["init", "--inspection-json", "snap.json", ...REVIEW_FLAGS, "--save-spec", "selection.json"], { cwd: dir });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /Refusing to overwrite existing files \(nothing was written\):\n\s+selection\.json/);
    assert.equal(existsSync(join(dir, "synapsor.runner.json")), false);
    assert.equal(readFileSync(join(dir, "selection.json"), "utf8"), "{}\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the wizard's writer saves its answers as a selection with the config", () => {
  const dir = tempDir("synapsor-save-spec-wizard-");
  try {
    const selection = {
      version: 1 as const, engine: "postgres" as const, mode: "read_only" as const, read_url_env: "DATABASE_URL",
      schema: "public", table: "appointments", primary_key: "id", tenant_column: "clinic_id",
      visible_columns: ["id", "status"], tenant_env: "SYNAPSOR_TENANT_ID", principal_env: "SYNAPSOR_PRINCIPAL",
    };
    const { written } = writeSelection({ configPath: join(dir, "cfg.json"), selection, snapshot: clinicSnapshot(), live: false, force: false, saveSpec: join(dir, "answers.json") });
    assert.ok(written.some((w) => w.kind === "onboarding_selection"));
    const saved = JSON.parse(readFileSync(join(dir, "answers.json"), "utf8"));
    assertMatchesSchema("onboarding-selection.v1", saved, "the wizard's saved answers");
    assert.deepEqual(saved, selection);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
