// `npm run test:unit` runs test/unit alone, on a machine without databases, in seconds: no unit
// test may reach a database. Checked on the sources, so a new file that does fails here at once.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../support/cli.ts";

const UNIT_DIR = join(REPO_ROOT, "test/unit");

/** What opens a database: the test databases, the embedded Postgres, a driver's connection. */
const REACHES_A_DATABASE: Array<[RegExp, string]> = [
  [/from "\.\.\/support\/(databases|writeback-setup)\.ts"/, "imports the test databases (move the test to test/e2e)"],
  [/embedded-postgres\.ts"/, "starts the embedded Postgres (move the test to test/e2e)"],
  [/from "mysql2/, "imports the MySQL driver"],
  [/new pg\.(Pool|Client)\b|\bpg\.connect\b/, "opens a Postgres connection"],
  [/\b(openAdapter|createPostgresAdapter|createMysqlAdapter)\(/, "opens a database adapter"],
];

test("no unit test reaches a database", () => {
  // This file names the patterns, so it is the one file not scanned.
  const files = readdirSync(UNIT_DIR, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && f !== "unit-tier.test.ts");
  assert.ok(files.length > 30, `found ${files.length} files`);
  const problems = files.flatMap((file) => {
    const text = readFileSync(join(UNIT_DIR, file), "utf8");
    return REACHES_A_DATABASE.filter(([pattern]) => pattern.test(text)).map(([, why]) => `test/unit/${file} ${why}`);
  });
  assert.deepEqual(problems, []);
});
