// The files one onboarding run plans and the all-or-nothing writer: which variables land in which
// env example, an app's own .env.example kept and extended, and a failed directory named right.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectionFromFlags } from "../../operator/onboard/flags.ts";
import { generateContract } from "../../operator/onboard/generate.ts";
import { planOnboardingFiles } from "../../operator/onboard/outputs.ts";
import { writeAllOrNothing } from "../../operator/onboard/write-files.ts";
import { refuseExistingConfig } from "../../operator/onboard/wizard/write.ts";
import { clinicSnapshot } from "../support/clinic-schema.ts";

function reviewContract() {
  const outcome = selectionFromFlags(
    { table: "appointments", tenantColumn: "clinic_id", mode: "review", patch: "cancel_reason=arg:reason", writeUrlEnv: "CLINIC_WRITE_URL" },
    clinicSnapshot(),
    { readUrlEnv: "CLINIC_READ_URL" },
  );
  assert.ok(outcome.ok, JSON.stringify(!outcome.ok && outcome.problems));
  const generated = generateContract(outcome.selection, clinicSnapshot());
  assert.ok(generated.ok, JSON.stringify(!generated.ok && generated.problems));
  return generated.contract;
}

describe("onboarding outputs", () => {
  test("the writer URL goes to .env.apply.example, never to the .env.example the server loads", () => {
    const dir = mkdtempSync(join(tmpdir(), "synapsor-outputs-"));
    try {
      const files = planOnboardingFiles({ configPath: join(dir, "synapsor.runner.json"), contract: reviewContract() });
      const server = files.find((f) => f.kind === "env_example")!;
      const apply = files.find((f) => f.kind === "apply_env_example")!;
      assert.equal(apply.path, join(dir, ".env.apply.example"));
      assert.match(server.text, /^CLINIC_READ_URL=$/m);
      assert.match(server.text, /^SYNAPSOR_HTTP_TOKEN=$/m);
      assert.doesNotMatch(server.text, /^CLINIC_WRITE_URL=/m);
      assert.match(apply.text, /^CLINIC_WRITE_URL=$/m);
      assert.match(apply.text, /only in the shell or service that runs\n# `synapsor-runner apply`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an app's own .env.example is extended with the missing names, not refused or replaced", () => {
    const dir = mkdtempSync(join(tmpdir(), "synapsor-outputs-"));
    try {
      const own = "# my app\nPORT=3000\nCLINIC_READ_URL=\n";
      writeFileSync(join(dir, ".env.example"), own);
      const files = planOnboardingFiles({ configPath: join(dir, "synapsor.runner.json"), contract: reviewContract() });
      const outcome = writeAllOrNothing(files, false);
      assert.ok(outcome.ok, JSON.stringify(outcome));
      const text = readFileSync(join(dir, ".env.example"), "utf8");
      assert.ok(text.startsWith(own), text);
      assert.match(text, /^SYNAPSOR_TENANT_ID=$/m);
      assert.equal(text.match(/^CLINIC_READ_URL=/gm)!.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("client snippets are named after their config, so two configs in one directory do not collide", () => {
    const dir = mkdtempSync(join(tmpdir(), "synapsor-outputs-"));
    try {
      const snippets = (config: string) => planOnboardingFiles({ configPath: join(dir, config), contract: reviewContract() }).filter((f) => f.kind === "client_snippet").map((f) => f.path);
      assert.deepEqual(snippets("synapsor.runner.json"), [join(dir, ".synapsor/clients/generic.json"), join(dir, ".synapsor/clients/claude-desktop.json")]);
      assert.deepEqual(snippets("other.json"), [join(dir, ".synapsor/clients/other.generic.json"), join(dir, ".synapsor/clients/other.claude-desktop.json")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a contract naming storage.postgres_url_env gets snippets that serve that ledger (--store-url-env), not a SQLite file", () => {
    const dir = mkdtempSync(join(tmpdir(), "synapsor-outputs-"));
    try {
      const contract = { ...reviewContract(), storage: { postgres_url_env: "CLINIC_LEDGER_URL" } };
      for (const file of planOnboardingFiles({ configPath: join(dir, "synapsor.runner.json"), contract }).filter((f) => f.kind === "client_snippet")) {
        const args: string[] = Object.values<any>(JSON.parse(file.text).mcpServers)[0].args;
        assert.deepEqual(args.slice(-2), ["--store-url-env", "CLINIC_LEDGER_URL"], file.path);
        assert.equal(args.includes("--store"), false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("before the first question, an existing snippet or snapshot is refused, not only the config", () => {
    const dir = mkdtempSync(join(tmpdir(), "synapsor-outputs-"));
    try {
      const config = join(dir, "synapsor.runner.json");
      refuseExistingConfig(config, false, "./synapsor.schema.json");
      mkdirSync(join(dir, ".synapsor", "clients"), { recursive: true });
      writeFileSync(join(dir, ".synapsor", "clients", "generic.json"), "{}");
      writeFileSync(join(dir, "synapsor.schema.json"), "{}");
      assert.throws(() => refuseExistingConfig(config, false, "./synapsor.schema.json"), (err: Error) => err.message.includes("generic.json") && err.message.includes("synapsor.schema.json"));
      refuseExistingConfig(config, true, "./synapsor.schema.json");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a directory that cannot be made is reported against the file that needed it", () => {
    const dir = mkdtempSync(join(tmpdir(), "synapsor-outputs-"));
    try {
      writeFileSync(join(dir, "blocker"), "a file where a directory should be");
      const outcome = writeAllOrNothing(
        [
          { path: join(dir, "first.txt"), kind: "config", text: "1" },
          { path: join(dir, "blocker", "second.txt"), kind: "handler", text: "2" },
        ],
        false,
      );
      assert.ok(!outcome.ok && "failed" in outcome);
      assert.equal(outcome.failed, join(dir, "blocker", "second.txt"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
