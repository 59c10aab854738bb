// inspect on an unfamiliar clinic schema, both engines: the tenant key is found from the schema's
// shape (a NOT NULL clinic_id foreign key on every table), enum labels are reported in declaration
// order and shown escaped, and --output prints one summary line instead of the snapshot.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectDatabase } from "../../compiler/inspect/index.ts";
import { snapshotJson } from "../../compiler/inspect/snapshot-file.ts";
import type { SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { runCli } from "../support/cli.ts";

// A label an attacker with DDL rights might plant: a quote, a backslash, a comma and a terminal escape.
const HOSTILE = "it's \\ a,b) \x1b[2J";

const SCHEMAS = {
  postgres: `
CREATE TYPE appointment_status AS ENUM ('scheduled', 'completed', 'cancelled');
ALTER TYPE appointment_status ADD VALUE 'checked_in' BEFORE 'completed';
CREATE TYPE odd_label AS ENUM ('plain', E'it''s \\\\ a,b) \\x1b[2J');
CREATE DOMAIN visit_status AS appointment_status;
CREATE TABLE clinics (id bigint PRIMARY KEY, name text NOT NULL, account_id text);
CREATE TABLE patients (id bigint PRIMARY KEY, clinic_id bigint NOT NULL REFERENCES clinics (id), name text NOT NULL);
CREATE TABLE appointments (
  id bigint PRIMARY KEY,
  clinic_id bigint NOT NULL REFERENCES clinics (id),
  patient_id bigint NOT NULL REFERENCES patients (id),
  status appointment_status NOT NULL DEFAULT 'scheduled',
  visit visit_status NULL,
  odd odd_label NULL,
  starts_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE invoices (
  id bigint PRIMARY KEY,
  clinic_id bigint NOT NULL REFERENCES clinics (id),
  account_id text NOT NULL,
  amount_cents integer NOT NULL
);`,
  mysql: `
CREATE TABLE clinics (id bigint PRIMARY KEY, name text NOT NULL, account_id varchar(64));
CREATE TABLE patients (id bigint PRIMARY KEY, clinic_id bigint NOT NULL, name text NOT NULL, FOREIGN KEY (clinic_id) REFERENCES clinics (id));
CREATE TABLE appointments (
  id bigint PRIMARY KEY,
  clinic_id bigint NOT NULL,
  patient_id bigint NOT NULL,
  status ENUM('scheduled','checked_in','completed','cancelled') NOT NULL DEFAULT 'scheduled',
  visit ENUM('scheduled','checked_in','completed','cancelled') NULL,
  odd ENUM('plain','it''s \\\\ a,b) \x1b[2J') NULL,
  starts_at datetime(6) NOT NULL,
  updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  FOREIGN KEY (clinic_id) REFERENCES clinics (id),
  FOREIGN KEY (patient_id) REFERENCES patients (id)
);
CREATE TABLE invoices (
  id bigint PRIMARY KEY,
  clinic_id bigint NOT NULL,
  account_id varchar(64) NOT NULL,
  amount_cents int NOT NULL,
  FOREIGN KEY (clinic_id) REFERENCES clinics (id)
);`,
} as const;

const STATUSES = ["scheduled", "checked_in", "completed", "cancelled"];

for (const engine of ["postgres", "mysql"] as const) {
  describe(`inspect a clinic schema: ${engine}`, () => {
    let db: TestDatabase;
    let snapshot: SchemaSnapshot;
    let schema: string;
    const env = () => ({ ...process.env, CLINIC_DB_URL: db.url });
    const table = (name: string): TableInfo => {
      const found = snapshot.tables.find((t) => t.schema === schema && t.name === name);
      assert.ok(found, `${name} missing`);
      return found;
    };
    before(async () => {
      db = await createDatabase(engine, "inspect_clinic");
      await db.exec(SCHEMAS[engine]);
      schema = engine === "postgres" ? "public" : db.name;
      const outcome = await inspectDatabase({ engine: "auto", url: db.url, urlEnvName: "CLINIC_DB_URL" });
      if (!outcome.ok) assert.fail(outcome.message);
      snapshot = outcome.snapshot;
    });
    after(async () => {
      await db?.drop();
    });

    test("suggests clinic_id on every clinic-owned table and the root's primary key on clinics", () => {
      for (const name of ["patients", "appointments", "invoices"]) assert.equal(table(name).suggestions.tenant_key, "clinic_id", name);
      assert.equal(table("clinics").suggestions.tenant_key, "id");
      assert.equal(table("appointments").suggestions.version_column, "updated_at");
    });

    test("reports enum labels in declaration order, hostile ones byte for byte, and none on other columns", () => {
      const columns = new Map(table("appointments").columns.map((c) => [c.name, c]));
      assert.deepEqual(columns.get("status")!.enum_values, STATUSES);
      // Postgres: through a domain over the enum too.
      assert.deepEqual(columns.get("visit")!.enum_values, STATUSES);
      assert.deepEqual(columns.get("odd")!.enum_values, ["plain", HOSTILE]);
      assert.equal(columns.get("status")!.type_class, "string");
      assert.equal(columns.get("starts_at")!.enum_values, undefined);
      assert.ok(!("enum_values" in columns.get("id")!));
    });

    test("the human summary names the tenant root and shows labels quoted and escaped", async () => {
      const r = await runCli(["inspect", "--from-env", "CLINIC_DB_URL", ...(engine === "postgres" ? ["--schema", "public"] : [])], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Tenant root: ${schema}\\.clinics \\(a NOT NULL foreign key clinic_id points at it from 3 of 3 other tables\\)$`, "m"));
      assert.match(r.stdout, /^ {6}values: "scheduled", "checked_in", "completed", "cancelled"$/m);
      assert.ok(r.stdout.includes(`values: "plain", "it's \\\\ a,b) \\u001b[2J"`), r.stdout);
      assert.ok(!r.stdout.includes("\x1b"));
      assert.match(r.stdout, /^ {2}suggested tenant key: clinic_id$/m);
    });

    test("--output prints one summary line; with --json a JSON summary; the file holds the snapshot", async () => {
      const dir = await mkdtemp(join(tmpdir(), "sr-inspect-clinic-"));
      try {
        const target = join(dir, "synapsor.schema.json");
        const plain = await runCli(["inspect", "--from-env", "CLINIC_DB_URL", "--output", target], { env: env() });
        assert.equal(plain.code, 0, plain.stderr);
        assert.equal(plain.stdout, `Wrote the schema snapshot (4 tables, 0 views) to ${target}\n`);
        assert.equal(await readFile(target, "utf8"), snapshotJson(snapshot));

        const json = await runCli(["inspect", "--from-env", "CLINIC_DB_URL", "--json", "--output", target], { env: env() });
        assert.equal(json.code, 0, json.stderr);
        assert.deepEqual(JSON.parse(json.stdout), { output: target, tables: 4, views: 0 });
        assert.ok(!json.stdout.includes("clinic_id"));
        assert.equal(await readFile(target, "utf8"), snapshotJson(snapshot));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
