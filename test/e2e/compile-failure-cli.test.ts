// The commands that act on the compiled plan (apply, writeback grants and doctor, proposals
// expire) compile the config the same way and fail the same way: every problem listed under
// one line naming the stage, exit 1 for a config problem and exit 2 when the database did not
// answer, never the URL.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../support/cli.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";

const SNAPSHOT = fileURLToPath(new URL("../../examples/support-billing/synapsor.schema.json", import.meta.url));

describe("compile failures of the commands that act on the plan", () => {
  const dir = tempDir("synapsor-compile-failure-");
  const store = join(dir, "ledger.db");
  const config = exampleConfigFor("postgres");
  config.capabilities[0].target.table = "no_such_table";
  const broken = join(dir, "synapsor.runner.json");
  writeFileSync(broken, JSON.stringify(config, null, 2));

  /** Each command with its way of naming the schema: `snapshot` for a file, `live` for an env var. */
  const commands = (schema: (snapshotFlag: string) => string[]): Array<[string, string[]]> => [
    ["apply", ["apply", "--proposal", "wrp_missing", "--config", broken, "--store", store, ...schema("--schema")]],
    ["writeback doctor", ["writeback", "doctor", "--config", broken, ...schema("--schema")]],
    ["writeback grants", ["writeback", "grants", "--engine", "postgres", "--writer-role", "app_writer", "--config", broken, ...schema("--schema-snapshot")]],
    ["proposals expire", ["proposals", "expire", "--stale-plan", "--config", broken, "--store", store, ...schema("--schema")]],
  ];

  for (const [label, args] of commands((flag) => [flag, SNAPSHOT])) {
    test(`${label}: a config problem lists every diagnostic under the stage and exits 1`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /cannot compile the config \(stage resolve\)\.\n\d+ problems? in \S+synapsor\.runner\.json:/);
      assert.match(r.stderr, /UNKNOWN_TABLE/);
    });
  }

  for (const [label, args] of commands(() => ["--from-env", "DEAD_DB_URL"])) {
    test(`${label}: a database that does not answer exits 2 without the URL`, async () => {
      const r = await runCli(args, { env: { ...process.env, DEAD_DB_URL: "postgres://u:Secret-Pw-551@127.0.0.1:1/x" } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /cannot compile the config \(stage resolve\)/);
      assert.match(r.stderr, /DATABASE_UNREACHABLE[\s\S]*DEAD_DB_URL/);
      assert.doesNotMatch(r.stdout + r.stderr, /Secret-Pw-551|127\.0\.0\.1:1/);
    });
  }
});
