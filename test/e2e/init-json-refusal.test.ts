// init from a saved snapshot, no database: --json prints a refusal as a record on stdout (as
// `recipes init --json` does) with the exit code unchanged, and the Next lines print absolute,
// shell-quoted paths when the config is written in another directory; --append with a new
// snapshot checks against the snapshot build will read.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { snapshotJson } from "../../compiler/inspect/snapshot-file.ts";
import { runCli } from "../support/cli.ts";
import { clinicSnapshot } from "../support/clinic-schema.ts";
import { tempDir } from "../support/compiled-server.ts";

test("init --json: a refusal is { ok: false, problems } on stdout, exit code 1", async () => {
  const dir = tempDir("synapsor-init-json-");
  try {
    const snapshot = join(dir, "snap.json");
    writeFileSync(snapshot, snapshotJson(clinicSnapshot()));
    const r = await runCli(["init", "--inspection-json", snapshot, "--table", "appointments", "--tenant-column", "clinc_id", "--json"], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    const outcome = JSON.parse(r.stdout) as { ok: boolean; problems: Array<{ field: string; message: string; fix: string }> };
    assert.equal(outcome.ok, false);
    assert.ok(outcome.problems.some((p) => p.message.includes("clinc_id") && p.fix.includes("clinic_id")), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("init --out sub/cfg.json prints absolute, quoted paths in its Next lines", async () => {
  const dir = tempDir("synapsor-init-next-");
  try {
    const snapshot = join(dir, "snap.json");
    writeFileSync(snapshot, snapshotJson(clinicSnapshot()));
    mkdirSync(join(dir, "my sub"));
    const r = await runCli(["init", "--inspection-json", snapshot, "--table", "appointments", "--tenant-column", "clinic_id", "--out", "my sub/cfg.json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`--store '${join(dir, "my sub", ".synapsor", "local.db")}'`), r.stdout);
    assert.ok(r.stdout.includes(`--config '${join(dir, "my sub", "cfg.json")}'`), r.stdout);
    assert.ok(!r.stdout.includes("--store ./"), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("init --append --inspection-json NEW: checked against the snapshot the config names, refused with the fix when the table is not in it", async () => {
  const dir = tempDir("synapsor-init-append-");
  try {
    const full = clinicSnapshot();
    const old = { ...full, tables: full.tables.filter((t) => t.name === "appointments") };
    writeFileSync(join(dir, "old.json"), snapshotJson(old));
    writeFileSync(join(dir, "new.json"), snapshotJson(full));
    const first = await runCli(["init", "--inspection-json", "old.json", "--table", "appointments", "--tenant-column", "clinic_id"], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);

    const append = ["init", "--append", "--inspection-json", "new.json", "--table", "patients", "--tenant-column", "clinic_id"];
    const refused = await runCli(append, { cwd: dir });
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /old\.json, which has no table patients/);
    assert.match(refused.stderr, /inspect --from-env VAR --output/);

    // The named snapshot is gone: the config is pointed at the new one, which build then reads.
    rmSync(join(dir, "old.json"));
    const repointed = await runCli(append, { cwd: dir });
    assert.equal(repointed.code, 0, repointed.stderr);
    const config = JSON.parse(readFileSync(join(dir, "synapsor.runner.json"), "utf8"));
    assert.equal(config.build.schema_snapshot, "./new.json");
    const built = await runCli(["build", "--config", "synapsor.runner.json", "--out", "out"], { cwd: dir });
    assert.equal(built.code, 0, built.stderr + built.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
