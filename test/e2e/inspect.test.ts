// Schema inspection against real Postgres and MariaDB, through the library and the real CLI.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectDatabase, type InspectOutcome } from "../../compiler/inspect/index.ts";
import { snapshotJson } from "../../compiler/inspect/snapshot-file.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import { createMysqlDatabase, createPostgresDatabase, MYSQL_ADMIN_URL, type TestDatabase } from "../support/databases.ts";
import { runCli } from "../support/cli.ts";

const PG_SCHEMA = `
CREATE TABLE tenants (id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE customers (
  id text NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants (id),
  email varchar(255) NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE invoices (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  customer_id text NOT NULL,
  status varchar(32) NOT NULL DEFAULT 'open',
  late_fee_cents integer NOT NULL DEFAULT 0,
  amount numeric(12,2) NOT NULL,
  amount_cents bigint GENERATED ALWAYS AS ((amount * 100)::bigint) STORED,
  notes text NULL,
  paid boolean NOT NULL DEFAULT false,
  metadata jsonb NULL,
  external_ref uuid NULL,
  due_on date NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE VIEW open_invoices AS SELECT id, tenant_id, amount FROM invoices WHERE status = 'open';
CREATE SCHEMA audit;
CREATE TABLE audit.events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id integer,
  org_id integer,
  lock_version integer,
  version integer
);`;

const MYSQL_SCHEMA = `
CREATE TABLE tenants (id varchar(64) PRIMARY KEY, name text NOT NULL);
CREATE TABLE customers (
  id varchar(64) NOT NULL,
  tenant_id varchar(64) NOT NULL,
  email varchar(255) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE TABLE invoices (
  id varchar(64) PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  customer_id varchar(64) NOT NULL,
  status varchar(32) NOT NULL DEFAULT 'open',
  late_fee_cents int NOT NULL DEFAULT 0,
  amount decimal(12,2) NOT NULL,
  amount_cents bigint AS (amount * 100) STORED,
  notes text NULL,
  paid tinyint(1) NOT NULL DEFAULT 0,
  metadata json NULL,
  due_on date NULL,
  updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE VIEW open_invoices AS SELECT id, tenant_id, amount FROM invoices WHERE status = 'open';
CREATE TABLE events (
  id bigint AUTO_INCREMENT PRIMARY KEY,
  account_id int,
  org_id int,
  lock_version int,
  version int
);`;

function col(name: string, data_type: string, type_class: ColumnInfo["type_class"], rest: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, data_type, type_class, nullable: false, has_default: false, generated: false, ...rest };
}

function snapshotOf(outcome: InspectOutcome): SchemaSnapshot {
  if (!outcome.ok) assert.fail(`inspection failed: ${outcome.message}`);
  return outcome.snapshot;
}

function table(snapshot: SchemaSnapshot, schema: string, name: string): TableInfo {
  const found = snapshot.tables.find((t) => t.schema === schema && t.name === name);
  assert.ok(found, `${schema}.${name} missing from snapshot`);
  return found;
}

function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.SUPPORT_DB_MISSING;
  return env;
}

describe("inspect: Postgres", () => {
  let db: TestDatabase;
  let snapshot: SchemaSnapshot;
  before(async () => {
    db = await createPostgresDatabase("inspect");
    await db.exec(PG_SCHEMA);
    snapshot = snapshotOf(await inspectDatabase({ engine: "auto", url: db.url, urlEnvName: "SUPPORT_DB_URL" }));
  });
  after(async () => {
    await db?.drop();
  });

  test("lists tables and views of every user schema sorted by (schema, name)", () => {
    assert.equal(snapshot.snapshot_version, 1);
    assert.equal(snapshot.engine, "postgres");
    assert.equal(snapshot.database, db.name);
    assert.deepEqual(
      snapshot.tables.map((t) => [t.schema, t.name, t.kind]),
      [
        ["audit", "events", "table"],
        ["public", "customers", "table"],
        ["public", "invoices", "table"],
        ["public", "open_invoices", "view"],
        ["public", "tenants", "table"],
      ],
    );
  });

  test("reports every column's type, class, nullability, default, generated flag and length", () => {
    const invoices = table(snapshot, "public", "invoices");
    assert.deepEqual(invoices.columns, [
      col("id", "text", "string"),
      col("tenant_id", "text", "string"),
      col("customer_id", "text", "string"),
      col("status", "character varying(32)", "string", { has_default: true, max_length: 32 }),
      col("late_fee_cents", "integer", "integer", { has_default: true }),
      col("amount", "numeric(12,2)", "decimal"),
      col("amount_cents", "bigint", "bigint", { nullable: true, generated: true }),
      col("notes", "text", "string", { nullable: true }),
      col("paid", "boolean", "boolean", { has_default: true }),
      col("metadata", "jsonb", "json", { nullable: true }),
      col("external_ref", "uuid", "uuid", { nullable: true }),
      col("due_on", "date", "date", { nullable: true }),
      col("updated_at", "timestamp with time zone", "timestamp", { has_default: true }),
    ]);
    // Key order is fixed so committed snapshots diff cleanly.
    assert.deepEqual(Object.keys(invoices), ["schema", "name", "kind", "columns", "primary_key", "foreign_keys", "suggestions"]);
    assert.deepEqual(Object.keys(invoices.columns[3]!), ["name", "data_type", "type_class", "nullable", "has_default", "generated", "max_length"]);
  });

  test("reports primary keys in key order and foreign keys with their referenced columns", () => {
    const invoices = table(snapshot, "public", "invoices");
    assert.deepEqual(invoices.primary_key, ["id"]);
    assert.deepEqual(invoices.foreign_keys, [
      { columns: ["tenant_id", "customer_id"], references: { schema: "public", table: "customers", columns: ["tenant_id", "id"] } },
      { columns: ["tenant_id"], references: { schema: "public", table: "tenants", columns: ["id"] } },
    ]);
    // Declared (tenant_id, id) although id is the first column.
    assert.deepEqual(table(snapshot, "public", "customers").primary_key, ["tenant_id", "id"]);
    assert.equal(table(snapshot, "public", "customers").columns.find((c) => c.name === "email")?.max_length, 255);
  });

  test("treats identity ALWAYS as generated and views as keyless views", () => {
    const events = table(snapshot, "audit", "events");
    assert.deepEqual(events.columns[0], col("id", "bigint", "bigint", { has_default: true, generated: true }));
    const view = table(snapshot, "public", "open_invoices");
    assert.equal(view.kind, "view");
    assert.deepEqual(view.primary_key, []);
    assert.deepEqual(view.foreign_keys, []);
    assert.deepEqual(view.columns.map((c) => [c.name, c.data_type, c.type_class]), [
      ["id", "text", "string"],
      ["tenant_id", "text", "string"],
      ["amount", "numeric(12,2)", "decimal"],
    ]);
  });

  test("suggests a tenant key and version column by preference order, not column order", () => {
    assert.deepEqual(table(snapshot, "public", "invoices").suggestions, { tenant_key: "tenant_id", version_column: "updated_at" });
    assert.deepEqual(table(snapshot, "audit", "events").suggestions, { tenant_key: "org_id", version_column: "version" });
    // tenants is the tenant root (both other tables point at it): its own primary key scopes its rows.
    assert.deepEqual(table(snapshot, "public", "tenants").suggestions, { tenant_key: "id" });
  });

  test("--schema limits inspection to one schema; an unknown schema is a clear failure", async () => {
    const audit = snapshotOf(await inspectDatabase({ engine: "postgres", url: db.url, schema: "audit", urlEnvName: "SUPPORT_DB_URL" }));
    assert.deepEqual(audit.tables.map((t) => `${t.schema}.${t.name}`), ["audit.events"]);
    const missing = await inspectDatabase({ engine: "postgres", url: db.url, schema: "nope", urlEnvName: "SUPPORT_DB_URL" });
    assert.deepEqual(missing, { ok: false, message: 'schema "nope" does not exist in the database in $SUPPORT_DB_URL (check --schema)' });
  });

  test("two runs give byte-identical JSON", async () => {
    const again = snapshotOf(await inspectDatabase({ engine: "auto", url: db.url, urlEnvName: "SUPPORT_DB_URL" }));
    assert.equal(snapshotJson(again), snapshotJson(snapshot));
  });

  test("CLI --json prints the snapshot; without --json prints a readable summary", async () => {
    const env = cliEnv({ SUPPORT_DB_URL: db.url });
    const json = await runCli(["inspect", "--engine", "postgres", "--from-env", "SUPPORT_DB_URL", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, snapshotJson(snapshot));

    const human = await runCli(["inspect", "--from-env", "SUPPORT_DB_URL", "--schema", "public"], { env });
    assert.equal(human.code, 0, human.stderr);
    const out = human.stdout;
    assert.match(out, new RegExp(`^postgres database "${db.name}": 3 tables, 1 view$`, "m"));
    assert.match(out, /^table public\.invoices$/m);
    assert.match(out, /^view public\.open_invoices$/m);
    assert.match(out, /^ {2}updated_at +timestamp with time zone +timestamp, not null, default$/m);
    assert.match(out, /^ {2}amount_cents +bigint +bigint, null, generated$/m);
    assert.match(out, /^ {2}id +text +string, not null, primary key$/m);
    assert.match(out, /^ {2}foreign key: \(tenant_id, customer_id\) -> public\.customers \(tenant_id, id\)$/m);
    assert.match(out, /^ {2}primary key: tenant_id, id$/m);
    assert.match(out, /^ {2}suggested tenant key: tenant_id$/m);
    assert.match(out, /^ {2}suggested version column: updated_at$/m);
    assert.match(out, /inspect --from-env SUPPORT_DB_URL --schema public --output synapsor\.schema\.json$/m);
    assert.doesNotMatch(out, /audit\.events/);
    assert.ok(!out.includes(db.url));
  });

  test("CLI --output writes the snapshot atomically into new parent directories", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sr-inspect-"));
    try {
      const target = join(dir, "nested", "deeper", "synapsor.schema.json");
      const r = await runCli(["inspect", "--from-env", "SUPPORT_DB_URL", "--output", target], { env: cliEnv({ SUPPORT_DB_URL: db.url }) });
      assert.equal(r.code, 0, r.stderr);
      // One line, never the snapshot itself as well.
      assert.equal(r.stdout, `Wrote the schema snapshot (4 tables, 1 view) to ${target}\n`);
      assert.equal(await readFile(target, "utf8"), snapshotJson(snapshot));
      // No temp file is left beside the target.
      assert.deepEqual(await readdir(join(dir, "nested", "deeper")), ["synapsor.schema.json"]);

      // A parent path that is a file cannot be created: an environment failure, nothing written.
      await writeFile(join(dir, "blocker"), "x");
      const bad = await runCli(["inspect", "--from-env", "SUPPORT_DB_URL", "--output", join(dir, "blocker", "s.json")], {
        env: cliEnv({ SUPPORT_DB_URL: db.url }),
      });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /could not write .*blocker\/s\.json \((EEXIST|ENOTDIR)\)$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("inspect: MariaDB", () => {
  let db: TestDatabase;
  let snapshot: SchemaSnapshot;
  before(async () => {
    db = await createMysqlDatabase("inspect");
    await db.exec(MYSQL_SCHEMA);
    snapshot = snapshotOf(await inspectDatabase({ engine: "auto", url: db.url, urlEnvName: "SUPPORT_DB_URL" }));
  });
  after(async () => {
    await db?.drop();
  });

  test("lists the URL's database with the database name as schema", () => {
    assert.equal(snapshot.engine, "mysql");
    assert.equal(snapshot.database, db.name);
    assert.deepEqual(
      snapshot.tables.map((t) => [t.schema, t.name, t.kind]),
      [
        [db.name, "customers", "table"],
        [db.name, "events", "table"],
        [db.name, "invoices", "table"],
        [db.name, "open_invoices", "view"],
        [db.name, "tenants", "table"],
      ],
    );
  });

  test("reports every column's type, class, nullability, default, generated flag and length", () => {
    assert.deepEqual(table(snapshot, db.name, "invoices").columns, [
      col("id", "varchar(64)", "string", { max_length: 64 }),
      col("tenant_id", "varchar(64)", "string", { max_length: 64 }),
      col("customer_id", "varchar(64)", "string", { max_length: 64 }),
      col("status", "varchar(32)", "string", { has_default: true, max_length: 32 }),
      col("late_fee_cents", "int(11)", "integer", { has_default: true }),
      col("amount", "decimal(12,2)", "decimal"),
      col("amount_cents", "bigint(20)", "bigint", { nullable: true, generated: true }),
      col("notes", "text", "string", { nullable: true }),
      col("paid", "tinyint(1)", "boolean", { has_default: true }),
      // MariaDB stores JSON as LONGTEXT guarded by json_valid().
      col("metadata", "longtext", "json", { nullable: true }),
      col("due_on", "date", "date", { nullable: true }),
      col("updated_at", "datetime(6)", "timestamp", { has_default: true }),
    ]);
    assert.deepEqual(table(snapshot, db.name, "events").columns[0], col("id", "bigint(20)", "bigint", { has_default: true }));
  });

  test("reports primary keys in key order and foreign keys with their referenced columns", () => {
    const invoices = table(snapshot, db.name, "invoices");
    assert.deepEqual(invoices.primary_key, ["id"]);
    assert.deepEqual(invoices.foreign_keys, [
      { columns: ["tenant_id", "customer_id"], references: { schema: db.name, table: "customers", columns: ["tenant_id", "id"] } },
      { columns: ["tenant_id"], references: { schema: db.name, table: "tenants", columns: ["id"] } },
    ]);
    assert.deepEqual(table(snapshot, db.name, "customers").primary_key, ["tenant_id", "id"]);
    const view = table(snapshot, db.name, "open_invoices");
    assert.equal(view.kind, "view");
    assert.deepEqual(view.primary_key, []);
    assert.deepEqual(view.columns.map((c) => [c.name, c.data_type, c.type_class]), [
      ["id", "varchar(64)", "string"],
      ["tenant_id", "varchar(64)", "string"],
      ["amount", "decimal(12,2)", "decimal"],
    ]);
  });

  test("suggests a tenant key and version column", () => {
    assert.deepEqual(table(snapshot, db.name, "invoices").suggestions, { tenant_key: "tenant_id", version_column: "updated_at" });
    assert.deepEqual(table(snapshot, db.name, "events").suggestions, { tenant_key: "org_id", version_column: "version" });
    assert.deepEqual(table(snapshot, db.name, "tenants").suggestions, { tenant_key: "id" });
  });

  test("--schema inspects another database than the URL's; a URL without a database needs one", async () => {
    const other = snapshotOf(await inspectDatabase({ engine: "mysql", url: MYSQL_ADMIN_URL, schema: db.name, urlEnvName: "SUPPORT_DB_URL" }));
    assert.equal(snapshotJson(other), snapshotJson(snapshot));
    const noDb = new URL(MYSQL_ADMIN_URL);
    noDb.pathname = "/";
    const outcome = await inspectDatabase({ engine: "mysql", url: noDb.toString(), urlEnvName: "SUPPORT_DB_URL" });
    assert.equal(outcome.ok, false);
    assert.match(!outcome.ok ? outcome.message : "", /^the URL in \$SUPPORT_DB_URL names no database/);
    const missing = await inspectDatabase({ engine: "mysql", url: db.url, schema: "no_such_db_x", urlEnvName: "SUPPORT_DB_URL" });
    assert.deepEqual(missing, { ok: false, message: 'schema "no_such_db_x" does not exist in the database in $SUPPORT_DB_URL (check --schema)' });
  });

  test("CLI --json and --output agree with the library", async () => {
    const env = cliEnv({ SUPPORT_DB_URL: db.url.replace(/^mysql:/, "mariadb:") });
    const json = await runCli(["inspect", "--from-env", "SUPPORT_DB_URL", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, snapshotJson(snapshot));
    const dir = await mkdtemp(join(tmpdir(), "sr-inspect-"));
    try {
      const target = join(dir, "schema.json");
      const both = await runCli(["inspect", "--from-env", "SUPPORT_DB_URL", "--json", "--output", target], { env });
      assert.equal(both.code, 0, both.stderr);
      // With --output, --json makes the one summary machine-readable; the snapshot is only in the file.
      assert.deepEqual(JSON.parse(both.stdout), { output: target, tables: 4, views: 1 });
      assert.equal(both.stderr, "");
      assert.equal(await readFile(target, "utf8"), snapshotJson(snapshot));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("inspect: failures never leak the URL", () => {
  const SECRET = "PW-SECRET-7731";
  let silent: Server;
  const sockets: Socket[] = [];
  let silentPort = 0;
  before(async () => {
    // Accepts connections and never answers: the only reliable way to exercise the connect timeout.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  for (const url of [`postgres://synapsor:${SECRET}@127.0.0.1:1/nope`, `mysql://synapsor:${SECRET}@127.0.0.1:1/nope`]) {
    test(`CLI: refused connection exits 2 without echoing ${url.split(":")[0]} credentials`, async () => {
      const r = await runCli(["inspect", "--from-env", "SUPPORT_DB_URL"], { env: cliEnv({ SUPPORT_DB_URL: url }) });
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        "synapsor-runner: could not connect to the database in $SUPPORT_DB_URL: connection refused (is the server running, and are the host and port right?)\n",
      );
      for (const output of [r.stdout, r.stderr]) {
        assert.ok(!output.includes(SECRET));
        assert.ok(!output.includes(url));
        assert.ok(!output.includes("synapsor:"));
      }
    });
  }

  const cases: Array<[string, () => string, RegExp]> = [
    ["postgres unknown role", () => `postgres://nobody_${Date.now()}:${SECRET}@127.0.0.1:5432/test`, /: authentication failed \(/],
    ["mysql unknown user", () => `mysql://nobody_x:${SECRET}@127.0.0.1:3306/test`, /: authentication failed \(/],
    ["postgres missing database", () => `postgres://postgres:${SECRET}@127.0.0.1:5432/no_such_db_x`, /: the database does not exist \(/],
    ["mysql missing database", () => `mysql://root@127.0.0.1:3306/no_such_db_x`, /: the database does not exist \(/],
    ["postgres unknown host", () => `postgres://u:${SECRET}@no-such-host.invalid:5432/x`, /: unknown host \(/],
    ["mysql unknown host", () => `mysql://u:${SECRET}@no-such-host.invalid:3306/x`, /: unknown host \(/],
    ["postgres timeout", () => `postgres://u:${SECRET}@127.0.0.1:${silentPort}/x`, /: timed out after 0\.3 s \(/],
    ["mysql timeout", () => `mysql://u:${SECRET}@127.0.0.1:${silentPort}/x`, /: timed out after 0\.3 s \(/],
  ];
  for (const [name, urlOf, expected] of cases) {
    test(`${name} gets its own message`, async () => {
      const url = urlOf();
      const outcome = await inspectDatabase({ engine: "auto", url, urlEnvName: "SUPPORT_DB_URL", connectTimeoutMs: 300 });
      assert.equal(outcome.ok, false);
      const message = outcome.ok ? "" : outcome.message;
      assert.match(message, /^could not connect to the database in \$SUPPORT_DB_URL/);
      assert.match(message, expected);
      assert.ok(!message.includes(SECRET) && !message.includes("127.0.0.1") && !message.includes("no-such-host"), message);
    });
  }

  test("engine mismatch and unknown schemes are refused before connecting", async () => {
    assert.deepEqual(
      await inspectDatabase({ engine: "mysql", url: `postgres://u:${SECRET}@127.0.0.1/x`, urlEnvName: "DB" }),
      { ok: false, message: "--engine mysql was requested but the URL in $DB is a postgres URL" },
    );
    const unknown = await inspectDatabase({ engine: "auto", url: `oracle://u:${SECRET}@h/x`, urlEnvName: "DB" });
    assert.match(unknown.ok ? "" : unknown.message, /^cannot tell the engine from the URL in \$DB/);
    const invalid = await inspectDatabase({ engine: "mysql", url: `mysql://u:${SECRET}@[bad/x`, urlEnvName: "DB" });
    assert.equal(invalid.ok, false);
    assert.match(invalid.ok ? "" : invalid.message, /^\$DB: The MySQL URL is not a valid URL .*percent-encode special characters in the user name and password/);
    assert.ok(!JSON.stringify(invalid).includes(SECRET));
  });

  test("CLI: a missing env var, a URL passed as the var name and bad flags fail with exit 1", async () => {
    const missing = await runCli(["inspect", "--from-env", "SUPPORT_DB_MISSING"], { env: cliEnv({}) });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Environment variable SUPPORT_DB_MISSING is not set; it should hold the database URL/);

    const pasted = `postgres://synapsor:${SECRET}@127.0.0.1/x`;
    const asName = await runCli(["inspect", "--from-env", pasted], { env: cliEnv({}) });
    assert.equal(asName.code, 1);
    assert.match(asName.stderr, /--from-env takes the NAME of an environment variable/);
    assert.ok(!asName.stderr.includes(SECRET) && !asName.stdout.includes(SECRET));

    const badEngine = await runCli(["inspect", "--engine", "oracle", "--from-env", "X"], { env: cliEnv({}) });
    assert.equal(badEngine.code, 1);
    assert.match(badEngine.stderr, /Allowed choices are auto, postgres, mysql/);

    const noFrom = await runCli(["inspect"], { env: cliEnv({}) });
    assert.equal(noFrom.code, 1);
    assert.match(noFrom.stderr, /required option '--from-env <VAR>' not specified/);
  });
});
