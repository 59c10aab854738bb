// The golden mechanism itself: a new folder is a new case, a recorded case that drifts fails
// with the first differing line and the update command, and case folders that contradict
// themselves are refused. Uses throwaway case folders, never the committed ones.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/cli.ts";
import { discoverCases } from "./cases.ts";
import { driftReport, pathIndependent, produceOutcome, updateCase, type Outcome } from "./outcome.ts";

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function goldenRoot(cases: Record<string, Record<string, string>>): string {
  const root = mkdtempSync(join(tmpdir(), "sr-golden-root-"));
  roots.push(root);
  for (const [name, files] of Object.entries(cases)) {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, name, path, ".."), { recursive: true });
      writeFileSync(join(root, name, path), text);
    }
  }
  return root;
}

const BROKEN_JSON = '{\n  "version": 1,\n  "mode": "read_only",\n}\n';

test("a new folder is a case; once recorded it passes, and changed diagnostics or exit code fail it", async () => {
  const root = goldenRoot({ "fail-new": { "synapsor.runner.json": BROKEN_JSON } });
  const [fresh] = discoverCases(root);
  assert.equal(fresh?.name, "fail-new");
  assert.equal(fresh.expects, "unrecorded");
  assert.equal(fresh.schema, undefined);
  const outcome = await produceOutcome(fresh);
  assert.match(driftReport(fresh, outcome) ?? "", /npm run golden:update -- fail-new/);

  assert.equal(updateCase(fresh, outcome).status, "updated");
  const [recorded] = discoverCases(root);
  assert.equal(recorded?.expects, "failure");
  const stderr = readFileSync(join(recorded.dir, "stderr.txt"), "utf8");
  assert.match(stderr, /^build failed at load\.\n1 problem in synapsor\.runner\.json:\n  synapsor\.runner\.json#\/  INVALID_JSON\n/);
  assert.equal(driftReport(recorded, outcome), undefined);
  assert.deepEqual(updateCase(recorded, outcome), { status: "unchanged", message: "unchanged fail-new: stderr.txt (exit 1)" });

  writeFileSync(join(recorded.dir, "stderr.txt"), stderr.replace("INVALID_JSON", "BAD_JSON"));
  assert.equal(
    driftReport(recorded, outcome),
    [
      "golden case fail-new: stderr.txt differs from what `synapsor-runner build` prints, first at line 3:",
      "    committed:   synapsor.runner.json#/  BAD_JSON",
      "    printed:     synapsor.runner.json#/  INVALID_JSON",
      "If the change is intended, run `npm run golden:update -- fail-new` and review the diff.",
    ].join("\n"),
  );

  writeFileSync(join(recorded.dir, "stderr.txt"), stderr);
  writeFileSync(join(recorded.dir, "exit_code"), "2\n");
  assert.match(driftReport(recorded, outcome) ?? "", /the build exits with 1, not 2/);
  assert.equal(updateCase(recorded, outcome).status, "updated");
  assert.equal(existsSync(join(recorded.dir, "exit_code")), false, "recording exit 1 removes the stale exit_code");
  assert.equal(driftReport(recorded, outcome), undefined);

  const built: Outcome = { kind: "build", files: new Map([["manifest.json", "{}\n"]]) };
  assert.match(updateCase(recorded, built).message, /^refused fail-new: it should fail but now builds/);
  assert.equal(existsSync(join(recorded.dir, "expected")), false, "a refused update writes nothing");
});

test("a case recorded as failing that builds now comes back as a build, which the report names and the update refuses", async () => {
  const example = join(REPO_ROOT, "examples", "support-billing");
  const root = goldenRoot({
    switched: {
      "synapsor.runner.json": readFileSync(join(example, "synapsor.runner.json"), "utf8"),
      "synapsor.schema.json": readFileSync(join(example, "synapsor.schema.json"), "utf8"),
      "stderr.txt": "build failed at resolve.\n",
    },
  });
  const [c] = discoverCases(root);
  assert.equal(c?.expects, "failure");
  const outcome = await produceOutcome(c);
  assert.equal(outcome.kind, "build");
  assert.ok(outcome.files.has("manifest.json"), [...outcome.files.keys()].join(", "));
  assert.match(driftReport(c, outcome) ?? "", /^golden case switched should fail as stderr\.txt records, but the config built/);
  assert.match(updateCase(c, outcome).message, /^refused switched: it should fail but now builds/);
  assert.equal(existsSync(join(c.dir, "expected")), false, "a refused update writes nothing");
  assert.equal(readFileSync(join(c.dir, "stderr.txt"), "utf8"), "build failed at resolve.\n");
});

test("a drifted build case names each file and its first differing line", () => {
  const root = goldenRoot({
    drifted: {
      "synapsor.runner.json": "{}",
      "expected/manifest.json": "{\n  \"a\": 1\n}\n",
      "expected/src/old.ts": "export {};\n",
    },
  });
  const [c] = discoverCases(root);
  assert.equal(c?.expects, "build");
  const outcome: Outcome = {
    kind: "build",
    files: new Map([
      ["manifest.json", "{\n  \"a\": 2\n}\n"],
      ["src/new.ts", "export {};\n"],
    ]),
  };
  assert.equal(
    driftReport(c, outcome),
    [
      "golden case drifted: the generated output differs from expected/ (3 file(s)):",
      "  manifest.json: first difference at line 2",
      '    committed:   "a": 1',
      '    generated:   "a": 2',
      "  src/new.ts: generated now, not in expected/",
      "  src/old.ts: in expected/, no longer generated",
      "If the change is intended, run `npm run golden:update -- drifted` and review the diff.",
    ].join("\n"),
  );
  const failed: Outcome = { kind: "failure", stderr: "build failed at resolve.\n", exitCode: 1 };
  assert.match(driftReport(c, failed) ?? "", /should build, but the build failed/);
  assert.equal(updateCase(c, failed).status, "refused");
  assert.equal(existsSync(join(c.dir, "stderr.txt")), false, "a refused update writes nothing");
});

test("case.json points at inputs elsewhere; contradictory or malformed case folders are refused", () => {
  const root = goldenRoot({
    pointed: { "case.json": '{"config": "inputs/app.json", "schema": "inputs/schema.json"}', "inputs/app.json": "{}", "inputs/schema.json": "{}" },
    plain: { "synapsor.runner.json": "{}", "synapsor.schema.json": "{}" },
  });
  const [plain, pointed] = discoverCases(root).sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual([plain?.config, plain?.schema], ["synapsor.runner.json", "synapsor.schema.json"]);
  assert.deepEqual([pointed?.config, pointed?.schema], ["inputs/app.json", "inputs/schema.json"]);

  const both = goldenRoot({ both: { "synapsor.runner.json": "{}", "stderr.txt": "", "expected/manifest.json": "{}" } });
  assert.throws(() => discoverCases(both), /both expected\/ and stderr\.txt/);
  const typo = goldenRoot({ typo: { "synapsor.runner.json": "{}", "case.json": '{"schemas": "x.json"}' } });
  assert.throws(() => discoverCases(typo), /found schemas/);
  const empty = goldenRoot({ empty: { "notes.md": "" } });
  assert.throws(() => discoverCases(empty), /golden case empty: no synapsor\.runner\.json/);
});

test("recorded stderr never holds a machine's paths", () => {
  const caseDir = join(REPO_ROOT, "test", "golden", "some-case");
  const text = `Schema snapshot ${caseDir}/missing.json does not exist.\nfrom ${REPO_ROOT}examples/x.json into /tmp/sr-golden-1/out\n`;
  assert.equal(
    pathIndependent(text, caseDir, "/tmp/sr-golden-1/out"),
    "Schema snapshot missing.json does not exist.\nfrom <repo>/examples/x.json into <out>\n",
  );
});
