// The release files say what package.json says: LICENSE is the verbatim text of the SPDX licence
// it names, and CHANGELOG.md's newest version is the package's version.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { REPO_ROOT } from "../support/cli.ts";

const packageJson = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, "utf8"));

/** SHA-256 of each licence's canonical text as its steward publishes it (Apache: LICENSE-2.0.txt). */
const LICENSE_TEXTS: Record<string, string> = {
  "Apache-2.0": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
};

test("LICENSE is the canonical text of the licence package.json names", () => {
  const expected = LICENSE_TEXTS[packageJson.license];
  assert.ok(expected, `no canonical text recorded for "${packageJson.license}"`);
  assert.equal(createHash("sha256").update(readFileSync(`${REPO_ROOT}LICENSE`)).digest("hex"), expected);
});

test("CHANGELOG.md's newest version is package.json's version", () => {
  const changelog = readFileSync(`${REPO_ROOT}CHANGELOG.md`, "utf8");
  const newest = /^## \[([^\]]+)\]/m.exec(changelog.replace(/^## \[Unreleased\].*$/gm, ""));
  assert.equal(newest?.[1], packageJson.version);
});
