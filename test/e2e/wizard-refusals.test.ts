// The interactive commands refuse plainly when nobody can answer: no terminal, a URL pasted where
// a variable name belongs. Each refusal names the fix and writes nothing.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";

const env = { ...process.env, DATABASE_URL: "postgres://reader@127.0.0.1:1/nowhere" };

for (const args of [
  ["start", "--from-env", "DATABASE_URL"],
  ["onboard", "db", "--from-env", "DATABASE_URL"],
  ["init", "--wizard", "--from-env", "DATABASE_URL"],
]) {
  test(`${args.slice(0, 2).join(" ")} without a terminal: refused with the non-interactive fix, nothing written`, async () => {
    const dir = tempDir("synapsor-refusal-");
    const result = await runCli(args, { cwd: dir, env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /needs an interactive terminal/);
    assert.match(result.stderr, /init --non-interactive --from-env VAR --table T/);
    assert.match(result.stderr, /init --spec onboarding-selection\.json/);
    assert.equal(result.stderr.trim().split("\n").length, 1, "one line");
    assert.equal(result.stdout, "");
    assert.deepEqual(readdirSync(dir), []);
  });
}

test("start refuses a URL given where the variable's name belongs, without repeating it", async () => {
  const dir = tempDir("synapsor-refusal-");
  const result = await runCli(["start", "--from-env", "postgres://reader:s3cret-pw@db.internal/app"], { cwd: dir, env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--from-env takes the NAME of an environment variable/);
  assert.equal(result.stderr.includes("s3cret-pw"), false);
  assert.deepEqual(readdirSync(dir), []);
});

test("start --help lists its options, and onboard db is the same command", async () => {
  const start = await runCli(["start", "--help"]);
  const alias = await runCli(["onboard", "db", "--help"]);
  assert.equal(start.code, 0);
  for (const flag of ["--from-env <VAR>", "--schema <name>", "--config <file>", "--force"]) {
    assert.ok(start.stdout.includes(flag), flag);
    assert.ok(alias.stdout.includes(flag), flag);
  }
});

test("init --wizard refuses choices given as flags instead of dropping them silently", async () => {
  const dir = tempDir("synapsor-refusal-");
  // The refusal comes before anything needs a terminal or a database.
  const result = await runCli(["init", "--wizard", "--from-env", "DATABASE_URL", "--table", "invoices", "--patch", "status=fixed:paid"], { cwd: dir, env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--table, --patch make choices the wizard asks for/);
  assert.deepEqual(readdirSync(dir), []);
});
