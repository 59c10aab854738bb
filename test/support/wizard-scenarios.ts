// The wizard scenarios the slow tests run on each engine (test/slow/wizard-*.test.ts).

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { runCli } from "./cli.ts";
import { connectStdio, envelopeOf, tempDir } from "./compiled-server.ts";
import { createDatabase } from "./databases.ts";
import { HAS_SCRIPT, KEYS, PtySession } from "./pty.ts";
import { answerClinicReview, createClinicSchema, HOSTILE_COLUMN, HOSTILE_COLUMN_SHOWN, reviseVisibleColumnsDroppingNote } from "./wizard-drive.ts";

type Engine = "postgres" | "mysql";

async function clinicDatabase(t: TestContext, engine: Engine) {
  const db = await createDatabase(engine, "wiz");
  t.after(() => db.drop());
  await createClinicSchema(db);
  return db;
}

export async function wizardRoundTrip(t: TestContext, engine: Engine): Promise<void> {
  if (!HAS_SCRIPT) return t.skip("util-linux `script` is not installed");
  const db = await clinicDatabase(t, engine);
  const dir = tempDir("synapsor-wizard-");
  const configPath = join(dir, "synapsor.runner.json");
  const env = { ...process.env, DATABASE_URL: db.url };
  const p = PtySession.cli(["init", "--wizard", "--from-env", "DATABASE_URL", "--out", configPath], { cwd: dir, env });
  t.after(() => p.kill());

  await answerClinicReview(p);
  await p.waitFor("WHAT THE MODEL SEES");
  await p.waitFor("clinic.inspect_appointment");
  await p.waitFor("fee_cents: integer, required, minimum 0, maximum 5000");
  await p.waitFor("WHAT THE MODEL NEVER SEES");
  await p.waitFor("No such tools: execute_sql");
  assert.equal(existsSync(configPath), false, "nothing is written before the final confirmation");

  await reviseVisibleColumnsDroppingNote(p);
  await p.answer("Write these files?", KEYS.enter);
  const { code, transcript } = await p.exit();
  assert.equal(code, 0, transcript);
  // The hostile column name reached the screen only escaped.
  assert.equal(transcript.includes(HOSTILE_COLUMN), false, "the raw override character reached the terminal");
  assert.ok(transcript.includes(HOSTILE_COLUMN_SHOWN), transcript.slice(-3000));

  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const read = config.capabilities.find((c: any) => c.name === "clinic.inspect_appointment");
  const proposal = config.capabilities.find((c: any) => c.name === "clinic.propose_appointment_update");
  assert.ok(read && proposal, JSON.stringify(config.capabilities.map((c: any) => c.name)));
  assert.ok(!JSON.stringify(read).includes('"note"'), "the revision dropped note from the visible columns");
  assert.ok(JSON.stringify(proposal).includes('"confirmed"'), "the transition guard's target came from the enum labels");
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    assert.ok(!readFileSync(join(entry.parentPath, entry.name), "utf8").includes(db.url), `${entry.name} holds the database URL`);
  }

  const built = await runCli(["build", "--config", configPath, "--from-env", "DATABASE_URL"], { cwd: dir, env });
  assert.equal(built.code, 0, built.stderr + built.stdout);
  const serverPath = join(dir, config.build.out_dir, "server.mjs");
  const session = await connectStdio(serverPath, dir, { DATABASE_URL: db.url, SYNAPSOR_TENANT_ID: "1", SYNAPSOR_PRINCIPAL: "wizard-test" }, [
    "--store",
    join(dir, "ledger.db"),
  ]);
  t.after(() => session.close());
  const own = envelopeOf(await session.client.callTool({ name: "clinic.inspect_appointment", arguments: { id: 101 } }));
  assert.equal(own.ok, true, JSON.stringify(own));
  assert.equal(own.data.fee_cents, 2500);
  assert.equal("note" in own.data, false);
  const otherClinic = envelopeOf(await session.client.callTool({ name: "clinic.inspect_appointment", arguments: { id: 201 } }));
  assert.equal(otherClinic.ok, false, "another tenant's row is not found");
}

/** Cancels at the visible-columns question with `key` (Ctrl-C, or Esc at the next one). */
export async function wizardCancelLeavesNothing(t: TestContext, engine: Engine, key: "ctrlC" | "esc" = "ctrlC"): Promise<void> {
  if (!HAS_SCRIPT) return t.skip("util-linux `script` is not installed");
  const db = await clinicDatabase(t, engine);
  const dir = tempDir("synapsor-wizard-cancel-");
  const p = PtySession.cli(["init", "--wizard", "--from-env", "DATABASE_URL"], { cwd: dir, env: { ...process.env, DATABASE_URL: db.url } });
  t.after(() => p.kill());
  await p.answer("Which table", KEYS.enter);
  await p.answer("Primary key", KEYS.enter);
  await p.answer("Tenant key", KEYS.enter);
  await p.answer("Version column", KEYS.enter);
  if (key === "ctrlC") await p.answer("Columns the model may see", KEYS.ctrlC);
  else {
    await p.answer("Columns the model may see", KEYS.enter);
    await p.answer("Mode:", KEYS.esc);
  }
  const { code, transcript } = await p.exit();
  assert.notEqual(code, 0, transcript);
  assert.match(transcript, /synapsor-runner: cancelled: nothing was written\.\n?$/);
  assert.deepEqual(readdirSync(dir), [], "no file and no directory was created");
}
