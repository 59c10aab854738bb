// `synapsor-runner start --from-env DATABASE_URL` end to end on Postgres, on a pseudo-terminal:
// inspect, the wizard, the files, the build, the tenant and principal asked for (the tenant
// chosen from the values seen in the table), a sample id, the smoke call, and the next commands,
// one of which is then run from another directory as printed.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CLI } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { createDatabase } from "../support/databases.ts";
import { HAS_SCRIPT, KEYS, PtySession } from "../support/pty.ts";
import { answerClinicReview, createClinicSchema } from "../support/wizard-drive.ts";

const PRINCIPAL = "start-tester-5d1c";

test("start --from-env: from a read URL to a built server, a first smoke call and commands that work as printed", { timeout: 180_000 }, async (t) => {
  if (!HAS_SCRIPT) return t.skip("util-linux `script` is not installed");
  const db = await createDatabase("postgres", "start");
  t.after(() => db.drop());
  await createClinicSchema(db);
  const dir = tempDir("synapsor-start-");
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, USER: PRINCIPAL };
  delete env.SYNAPSOR_TENANT_ID;
  delete env.SYNAPSOR_PRINCIPAL;

  const p = PtySession.cli(["start", "--from-env", "DATABASE_URL"], { cwd: dir, env });
  t.after(() => p.kill());
  await p.waitFor("Inspecting the database named by DATABASE_URL");
  await answerClinicReview(p);
  await p.answer("Write these files?", KEYS.enter);
  await p.waitFor("Building the server");
  await p.waitFor("clinic.inspect_appointment(id)");
  // The tenants seen in appointments.clinic_id are offered: 1 first.
  await p.waitFor("SYNAPSOR_TENANT_ID is not set. Which tenant (clinic_id)");
  await p.waitFor("  2");
  await p.send(KEYS.enter);
  await p.answer("SYNAPSOR_PRINCIPAL is not set", KEYS.enter); // the default: $USER
  // Clinic 1's own rows are offered, never clinic 2's.
  await p.waitFor("Which id should the first call read");
  await p.waitFor("102");
  await p.send(KEYS.enter);
  await p.waitFor("smoke call clinic.inspect_appointment [read]: ok");
  const { code, transcript } = await p.exit();
  assert.equal(code, 0, transcript.slice(-4000));
  assert.equal(transcript.slice(transcript.indexOf("Which id should")).includes("201"), false, "another tenant's id was offered");
  for (const expected of ["mcp config claude-desktop", "proposals list --store", "apply --proposal", "serve --transport stdio", "serve --transport http"]) {
    assert.ok(transcript.includes(expected), `next commands lack ${expected}:\n${transcript.slice(-3000)}`);
  }

  assert.deepEqual(JSON.parse(readFileSync(join(dir, ".synapsor", "smoke-input.json"), "utf8")), { tool: "clinic.inspect_appointment", args: { id: 101 } });
  // The tenant and principal were for that call only: no file holds them (the ledger records the call, as it should).
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || /\.db(-wal|-shm)?$|\.key$/.test(entry.name) || entry.parentPath.includes(join(".synapsor", "build"))) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), "utf8");
    assert.ok(!text.includes(PRINCIPAL), `${entry.name} holds the principal`);
    assert.ok(!text.includes(db.url), `${entry.name} holds the database URL`);
  }

  // The printed smoke call command, run from another directory exactly as printed.
  const line = transcript.split("\n").find((l) => l.trim().startsWith("synapsor-runner smoke call"));
  assert.ok(line, transcript.slice(-3000));
  const command = line.trim().replace(/^synapsor-runner /, `'${process.execPath}' '${CLI}' `) + " --json";
  const rerun = spawnSync("sh", ["-c", command], { cwd: tmpdir(), env: { ...env, SYNAPSOR_TENANT_ID: "1", SYNAPSOR_PRINCIPAL: "someone" }, encoding: "utf8" });
  assert.equal(rerun.status, 0, rerun.stderr + rerun.stdout);
  assert.equal(JSON.parse(rerun.stdout).data.fee_cents, 2500);
});
