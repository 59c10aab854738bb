import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runCli } from "../support/cli.ts";

test("version prints the package version", async () => {
  const r = await runCli(["version", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { version: string };
  assert.match(parsed.version, /^\d+\.\d+\.\d+/);
});

test("--version and -V print the version and exit 0; --version-flag, the old spelling, still works", async () => {
  const expected = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version as string;
  for (const flag of ["--version", "-V", "--version-flag"]) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
    assert.equal(r.stdout, `${expected}\n`, flag);
  }
  const help = await runCli(["--help"]);
  assert.match(help.stdout, /-V, --version\s+print the version/);
  assert.doesNotMatch(help.stdout, /--version-flag/, "the old spelling is not advertised");
});

test("an unknown command fails with a clear message", async () => {
  const r = await runCli(["frobnicate"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.doesNotMatch(r.stderr, /Did you mean/, "nothing close, so no guess");
  assert.match(r.stderr, /Run synapsor-runner --help to list the commands/);
});

test("a mistyped root command gets the closest command, as a mistyped subcommand does", async () => {
  const root = await runCli(["buidl"]);
  assert.equal(root.code, 1);
  assert.match(root.stderr, /unknown command 'buidl'\. Did you mean 'build'\?/);
  const sub = await runCli(["proposals", "lsit"]);
  assert.equal(sub.code, 1);
  assert.match(sub.stderr, /unknown command 'lsit' for 'proposals'\. Did you mean 'list'\? Run synapsor-runner proposals --help/);
});

test("an unknown command word reaches the terminal escaped", async () => {
  const r = await runCli(["bu\u001b[2Jild"]);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /\u001b/, "no raw escape character");
});

test("an unsupported flag fails non-zero", async () => {
  const r = await runCli(["version", "--no-such-flag"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown option/);
});
