// Whatever `inspect` writes, `build --schema` accepts: real inspect output from both engines,
// covering every kind of column the readers report something special for (nondeterministic
// collations, domains, enums, generated and identity columns, JSON, other charsets), passes
// the snapshot schema and validation unchanged.

import { test } from "node:test";
import assert from "node:assert/strict";
import { inspectDatabase } from "../../compiler/inspect/index.ts";
import { snapshotJson } from "../../compiler/inspect/snapshot-file.ts";
import { validateSnapshot } from "../../compiler/inspect/snapshot-validate.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { createDatabase } from "../support/databases.ts";

async function inspected(engine: "postgres" | "mysql", schemaSql: string): Promise<SchemaSnapshot> {
  const db = await createDatabase(engine, "srsnapshot");
  try {
    await db.exec(schemaSql);
    const outcome = await inspectDatabase({ engine, url: db.url, urlEnvName: "DB_URL" });
    assert.ok(outcome.ok, outcome.ok ? "" : outcome.message);
    return outcome.snapshot;
  } finally {
    await db.drop();
  }
}

function assertValid(snapshot: SchemaSnapshot): void {
  // The committed file's text, read back as a build would.
  const check = validateSnapshot(JSON.parse(snapshotJson(snapshot)), "synapsor.schema.json");
  assert.ok(check.ok, check.ok ? "" : check.diagnostic.message);
}

test("Postgres inspect output, with a nondeterministic collation and domains, is a valid snapshot", async () => {
  const snapshot = await inspected(
    "postgres",
    `CREATE COLLATION ci_und (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
     CREATE EXTENSION citext;
     CREATE DOMAIN tenant_t AS citext;
     CREATE DOMAIN code_t AS varchar(12);
     CREATE TYPE mood AS ENUM ('ok', 'sad');
     CREATE TABLE t (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       tenant_ci text COLLATE "ci_und" NOT NULL,
       tenant_domain tenant_t NOT NULL,
       code code_t,
       name varchar(40),
       m mood,
       doc jsonb,
       tags text[],
       twice bigint GENERATED ALWAYS AS (id * 2) STORED
     );`,
  );
  const columns = new Map(snapshot.tables[0]!.columns.map((c) => [c.name, c]));
  assert.equal(columns.get("tenant_ci")!.nondeterministic_collation, "ci_und");
  assertValid(snapshot);
});

test("MariaDB inspect output, with other charsets, enums, JSON and generated columns, is a valid snapshot", async () => {
  const snapshot = await inspected(
    "mysql",
    `CREATE TABLE t (
       id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
       tenant_latin VARCHAR(32) CHARACTER SET latin1 NOT NULL,
       tenant_ucs VARCHAR(32) CHARACTER SET ucs2,
       status ENUM('open', 'paid') NOT NULL DEFAULT 'open',
       doc JSON,
       amount DECIMAL(10,2) UNSIGNED,
       twice INT AS (id * 2) VIRTUAL,
       raw VARBINARY(16)
     ) DEFAULT CHARSET=utf8mb4`,
  );
  assertValid(snapshot);
});
