// The checks that talk to a source database with its read URL, in the order a newcomer fixes them:
// the login connects, the config's tables and columns exist in the live schema with fitting types,
// the login cannot change those tables, every planned statement prepares, and the trusted tenant
// has rows. Messages are our words plus a driver's short error code; never its text or the URL.

import type { Contract, SourceConfig } from "../../compiler/config/contract.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import { classifyConnectFailure, describeFailure } from "../../compiler/inspect/failure.ts";
import { engineFromUrl, inspectDatabase } from "../../compiler/inspect/index.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import type { BuildPlan, CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { prepareStatementsLive } from "../../compiler/verify/live.ts";
import type { Adapter } from "../../runtime/db/adapter.ts";
import { DatabaseConfigurationError } from "../../runtime/db/connection-url.ts";
import { openAdapter } from "../../runtime/db/index.ts";
import { CONNECT_TIMEOUT_MS } from "../../runtime/db/limits.ts";
import { databaseErrorClass, dialectFor, writerErrorKind } from "../../runtime/dialect/index.ts";
import { terminalName } from "../../runtime/text/terminal-safe.ts";
import { failed, passed, warned, type Category, type DoctorCheck } from "./check.ts";
import { loginCanWrite, probeColumn, probeTable, tenantRows, TENANT_ROWS_CAP, type TableRef } from "./probes.ts";

const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

/** An open read connection to one source, after its connection check passed. */
export interface ReachableSource {
  name: string;
  config: SourceConfig;
  url: string;
  adapter: Adapter;
}

/** The connection check: the login works and the session the MCP server asks for (read-only, UTC) is granted. */
export async function connectSource(name: string, config: SourceConfig, url: string): Promise<{ check: DoctorCheck; source?: ReachableSource }> {
  const checkName = `source.${name}.connect`;
  const env = config.read_url_env;
  // A URL of the other engine is almost always the wrong variable; connecting would only confuse.
  const engine = engineFromUrl(url);
  if (engine !== config.engine) {
    const found = engine === undefined ? "does not start with postgres://, postgresql://, mysql:// or mariadb://" : `is a ${engine} URL`;
    return { check: failed(checkName, "environment", `${env} ${found}, but source ${name} is ${config.engine}.`, `Put the ${config.engine} URL of source ${name} in ${env}, or correct the source's engine.`) };
  }
  // Opening parses the URL's options, which a driver may refuse (an unknown ssl value): that too is a failed check, not a crash.
  let adapter: Adapter | undefined;
  try {
    adapter = await openAdapter(config.engine, { url, statementTimeoutMs: config.statement_timeout_ms ?? DEFAULT_STATEMENT_TIMEOUT_MS, maxConnections: 1, readOnly: true });
    await adapter.verify();
  } catch (err) {
    await adapter?.close().catch(() => undefined);
    return { check: connectFailure(checkName, config.engine, env, err, adapter === undefined) };
  }
  return {
    check: passed(checkName, "connection", `Connected with the login in ${env}; the session is read-only and in UTC, as the MCP server requires.`),
    source: { name, config, url, adapter },
  };
}

function connectFailure(name: string, engine: SourceConfig["engine"], env: string, err: unknown, whileOpening = false): DoctorCheck {
  if (err instanceof DatabaseConfigurationError) {
    if (/not read-only/.test(err.message)) {
      return failed(name, "read_only_session", `${env}: ${err.message}`, `Connect ${env} straight to the database (not through a pooler or proxy that rewrites session settings), or fix that layer.`);
    }
    return failed(name, "environment", `${env}: ${err.message}`, `Change the URL in ${env} as the message says, then run doctor again.`);
  }
  if (whileOpening) {
    // The driver refused the URL before connecting: one of its options (ssl, timeouts, charset) is not one it knows.
    return failed(
      name,
      "environment",
      `The database driver refused the URL in ${env} before connecting: an option after '?' (such as ssl) has a value it does not accept.`,
      `Correct or remove the options after '?' in ${env} (on MySQL, ssl takes a JSON object of TLS options, true, or a profile name the driver knows; docs/contract.md lists the parameters), then run doctor again.`,
    );
  }
  const message = `${describeFailure("connect", err, env, CONNECT_TIMEOUT_MS)}.`;
  switch (classifyConnectFailure(err)) {
    case "authentication_failed":
      return failed(name, "authentication", message, `Check the user name and password in ${env}; create the login first if it does not exist.`);
    case "connection_refused":
    case "unknown_host":
    case "timeout":
      return failed(name, "connection", message, `Check the host and port in ${env} and that the database server is running and reachable from here.`);
    case "database_not_found":
      return failed(name, "connection", message, `Check the database name at the end of the URL in ${env}.`);
    case "invalid_url":
      return failed(name, "environment", message, `Write ${env} as a URL: the engine (postgres or mysql), then the user and password, the host and port, and the database, with special characters percent-encoded.`);
    case "other":
      if (writerErrorKind(err) === "permission") {
        // MySQL answers "access denied to database" both for a database the login may not use and
        // for one that does not exist, so a typo in the name is as likely as a missing grant.
        const fix = engine === "mysql"
          ? `Check the database name at the end of the URL in ${env} (MySQL refuses a database that does not exist the same way), or grant the login access to it.`
          : `Grant the login in ${env} CONNECT on the database.`;
        return failed(name, "permission", message, fix);
      }
      if (writerErrorKind(err) === "authentication") return failed(name, "authentication", message, `Check the user name and password in ${env}.`);
      return failed(name, "connection", message, `Check ${env} and that the database server is running.`);
  }
}

/** The live schema of one source, read with its own login. */
export async function inspectSource(source: ReachableSource): Promise<{ check?: DoctorCheck; snapshot?: SchemaSnapshot }> {
  const inspected = await inspectDatabase({ engine: source.config.engine, url: source.url, urlEnvName: source.config.read_url_env });
  if (inspected.ok) return { snapshot: inspected.snapshot };
  const permission = /permission denied/.test(inspected.message);
  return {
    check: failed(
      `source.${source.name}.schema`,
      permission ? "permission" : "connection",
      `Could not read the live schema: ${inspected.message}.`,
      permission ? `Let the login in ${source.config.read_url_env} read the catalog (information_schema / pg_catalog).` : `Check ${source.config.read_url_env} and run doctor again.`,
    ),
  };
}

const TYPE_CODES = new Set(["ARG_TYPE_MISMATCH", "FIXED_VALUE_MISMATCH", "BOUNDS_ON_NON_NUMERIC", "CONFLICT_GUARD_NOT_A_VERSION", "NOT_THE_PRIMARY_KEY", "PROPOSAL_ON_VIEW", "COLUMN_NOT_WRITABLE", "ENGINE_MISMATCH"]);

/**
 * One check per resolve diagnostic. A table the catalog does not show may still exist: MySQL hides
 * tables a login holds no privilege on, so the table is probed and a refusal is named `permission`.
 */
export async function schemaChecks(contract: Contract, diagnostics: Diagnostic[], sources: ReadonlyMap<string, ReachableSource>): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const d of diagnostics) {
    const index = Number(/^\/capabilities\/(\d+)/.exec(d.pointer)?.[1] ?? -1);
    const cap = contract.capabilities[index];
    const name = cap ? `schema.${cap.name}` : "schema";
    const where = d.pointer ? `${d.pointer}: ` : "";
    let category: Category = TYPE_CODES.has(d.code) ? "type_mismatch" : "object_not_found";
    // Doctor resolves against the live schema it just read, not a snapshot file.
    let message = `${where}${d.message.replace("in the schema snapshot", "in the live database")}`;
    let fix = d.fix;
    const source = cap ? sources.get(cap.source) : undefined;
    if (d.code === "UNKNOWN_TABLE" && cap && source) {
      const ref: TableRef = { schema: cap.target.schema ?? dialectFor(source.config.engine).defaultSchema, table: cap.target.table };
      const refusal = await probeTable(source.adapter, ref).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (refusal !== undefined && writerErrorKind(refusal) === "permission") {
        category = "permission";
        message = `${where}the login in ${source.config.read_url_env} may not read table ${shownTable(ref)} (or, on MySQL, it does not exist: the server does not tell a login without privileges which).`;
        fix = `Grant SELECT on ${shownTable(ref)} to the login in ${source.config.read_url_env}, or correct the table name.`;
      }
    }
    // MySQL leaves out of the catalog a column the login holds no column-level SELECT on: a missing
    // column may be a missing grant, and "use another column" would then be the wrong fix.
    const column = d.code === "UNKNOWN_COLUMN" ? /^Column '(.+)' does not exist in /.exec(d.message)?.[1] : undefined;
    if (column !== undefined && cap && source && source.config.engine === "mysql") {
      const ref: TableRef = { schema: cap.target.schema, table: cap.target.table };
      const refusal = await probeColumn(source.adapter, ref, column).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (refusal !== undefined && writerErrorKind(refusal) === "permission") {
        category = "permission";
        message = `${where}the login in ${source.config.read_url_env} may not read column ${terminalName(column)} of ${shownTable(ref)}.`;
        fix = `Grant it: GRANT SELECT (${terminalName(column)}) ON ${shownTable(ref)} TO the login in ${source.config.read_url_env}; or grant SELECT on the whole table.`;
      }
    }
    checks.push(failed(name, category, message, fix));
  }
  return checks;
}

export function schemaPassed(source: ReachableSource, caps: number): DoctorCheck {
  return passed(`source.${source.name}.schema`, "object_not_found", `Every table and column of ${caps} ${caps === 1 ? "capability" : "capabilities"} exists in the live database with a fitting type.`);
}

function shownTable(ref: TableRef): string {
  return [ref.schema, ref.table].filter((p): p is string => p !== undefined).map(terminalName).join(".");
}

const distinctTables = (caps: CapabilityPlan[]) => {
  const seen = new Map<string, CapabilityPlan["target"]>();
  for (const c of caps) seen.set(JSON.stringify([c.target.schema ?? null, c.target.table]), c.target);
  return [...seen.values()];
};

/**
 * Whether the read login itself can change the config's tables. The server asks for a read-only
 * session, but any holder of the same login can ask for a writable one: the grants are the boundary.
 */
export async function readOnlyChecks(source: ReachableSource, caps: CapabilityPlan[]): Promise<DoctorCheck[]> {
  const name = `source.${source.name}.read_only`;
  const env = source.config.read_url_env;
  const writable: string[] = [];
  for (const target of distinctTables(caps)) {
    try {
      if (await loginCanWrite(source.adapter, { schema: target.schema, table: target.table })) writable.push(shownTable(target));
    } catch (err) {
      return [warned(name, "read_only_session", `Could not read the grants of the login in ${env}${codeOf(err)}; it was not checked whether it can change data.`, `Check by hand that the login in ${env} holds only SELECT.`)];
    }
  }
  if (writable.length === 0) return [passed(name, "read_only_session", `The login in ${env} cannot change the config's tables (no INSERT, UPDATE or DELETE grant).`)];
  return [
    failed(
      name,
      "read_only_session",
      `The login in ${env} can change ${writable.join(", ")} (it holds INSERT, UPDATE or DELETE, or is a superuser); the read path is read-only only because the server asks for it.`,
      `Give ${env} a login that holds only SELECT on these tables (e.g. CREATE ROLE … LOGIN; GRANT SELECT ON … TO …), and keep the writer's login in write_url_env.`,
    ),
  ];
}

/** Every planned statement of the source, prepared against the live database (compiler/verify/live.ts). */
export async function statementChecks(source: ReachableSource, plan: BuildPlan, caps: CapabilityPlan[]): Promise<DoctorCheck[]> {
  const env = source.config.read_url_env;
  let problems;
  try {
    problems = await prepareStatementsLive({ ...plan, capabilities: caps }, source.url);
  } catch (err) {
    return [failed(`source.${source.name}.statements`, "connection", `${describeFailure("connect", err, env, CONNECT_TIMEOUT_MS)}.`, `Check ${env} and that the database is running.`)];
  }
  if (problems.length === 0) {
    return [passed(`source.${source.name}.statements`, "type_mismatch", `All ${caps.length} planned ${caps.length === 1 ? "statement prepares" : "statements prepare"} against the live database.`)];
  }
  return problems.map((p) => {
    const name = `statements.${p.capability.name}`;
    const table = shownTable(p.capability.target);
    if (p.kind === "permission") {
      return failed(name, "permission", `${p.message}: the login in ${env} lacks a privilege on ${table}.`, `Grant SELECT on ${table} to the login in ${env}.`);
    }
    if (p.kind === "missing_object") {
      return failed(name, "object_not_found", `${p.message}: a table or column it names is missing.`, "Re-run inspect and fix the capability's table or columns.");
    }
    return failed(name, "type_mismatch", `${p.message}.`, "Re-run inspect and fix the capability: the live schema differs from what the config expects.");
  });
}

/** The trusted tenant has rows in each table, counted (capped) with the tenant id from the environment. */
export async function tenantChecks(source: ReachableSource, caps: CapabilityPlan[], tenantEnv: string, tenantId: string | undefined): Promise<DoctorCheck[]> {
  if (tenantId === undefined) return [];
  const checks: DoctorCheck[] = [];
  let index = 0;
  for (const target of distinctTables(caps)) {
    const table = shownTable(target);
    const name = `tenant_rows.${[target.schema, target.table].filter(Boolean).join(".")}`;
    try {
      const n = await tenantRows(source.adapter, { schema: target.schema, table: target.table, tenantKey: target.tenantKey }, tenantId, index++);
      checks.push(
        n === 0
          ? warned(name, "environment", `${table} has no row whose ${terminalName(target.tenantKey)} is the tenant in ${tenantEnv}; every read will find nothing.`, `Set ${tenantEnv} to a tenant that has rows (see the distinct values of ${terminalName(target.tenantKey)} in ${table}).`)
          : passed(name, "environment", `${table} has ${n >= TENANT_ROWS_CAP ? `at least ${TENANT_ROWS_CAP}` : n} ${n === 1 ? "row" : "rows"} of the tenant in ${tenantEnv}.`),
      );
    } catch (err) {
      const kind = writerErrorKind(err);
      if (kind === "permission") checks.push(failed(name, "permission", `The login in ${source.config.read_url_env} may not read ${table}${codeOf(err)}.`, `Grant SELECT on ${table} to the login in ${source.config.read_url_env}.`));
      else if (databaseErrorClass(err) === "invalid_value") {
        checks.push(failed(name, "type_mismatch", `The tenant id in ${tenantEnv} does not fit column ${terminalName(target.tenantKey)} of ${table}${codeOf(err)}; every call would be refused.`, `Set ${tenantEnv} to a value of the column's type.`));
      } else checks.push(warned(name, "environment", `Could not count the tenant's rows in ${table}${codeOf(err)}.`, "Run doctor again; if it persists, check the table with the read login."));
    }
  }
  return checks;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (error code ${code})` : "";
}

