// The doctor's checklist, start to finish: the config loads; the environment holds what it names;
// each source's read login connects, sees the config's tables and columns, cannot write them, and
// prepares every planned statement; the tenant has rows; the tool list keeps the boundary; the
// store is writable; optionally the handlers answer and the writer passes its rollback-only probes.
// Every message is redacted against the values of the variables the config names before it leaves.

import { basename, dirname, resolve as resolvePath } from "node:path";
import { DEFAULT_STORE_PATH, type Contract } from "../../compiler/config/contract.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { loadContract } from "../../compiler/pipeline.ts";
import { planBuild } from "../../compiler/plan/plan.ts";
import { resolveContract } from "../../compiler/resolve/resolve.ts";
import { RUNNER_VERSION } from "../../compiler/version.ts";
import { redactCredentials } from "../../runtime/text/credentials.ts";
import { checkBoundary } from "./boundary.ts";
import { failed, passed, reportOf, type DoctorCheck, type DoctorReport } from "./check.ts";
import { connectSource, inspectSource, readOnlyChecks, schemaChecks, schemaPassed, statementChecks, tenantChecks, type ReachableSource } from "./database.ts";
import { checkCredentialsDiffer, checkSourceEnv, checkTrustedContext, envNamesOf, trustedContextEnv } from "./environment.ts";
import { checkHandlers } from "./handlers.ts";
import { checkHttpJwtKey } from "./jwt.ts";
import { checkLease, checkStore } from "./store.ts";
import { checkPostgresStore } from "./postgres-store.ts";
import { checkWriteback } from "./writeback.ts";

export interface DoctorOptions {
  configPath: string;
  /** The ledger file; default the config's storage.sqlite_path, relative to the config. */
  store?: string;
  /** The variable holding a Postgres ledger's URL; default the config's storage.postgres_url_env (unless `store` is given). */
  storeUrlEnv?: string;
  env: NodeJS.ProcessEnv;
  checkHandlers?: boolean;
  checkWriteback?: boolean;
  /** More variables whose values must never appear (e.g. the HTTP bearer token of `up`). */
  secretEnvNames?: string[];
}

export async function runChecklist(options: DoctorOptions): Promise<DoctorReport> {
  const { env } = options;
  const loaded = loadContract(options.configPath);
  if (!loaded.ok) {
    const problems = loaded.diagnostics.map((d) => `${d.pointer || "/"} ${d.code}: ${d.message}`).join("; ");
    const fix = [...new Set(loaded.diagnostics.map((d) => d.fix))].join(" ");
    const check = failed("config", "config", `${basename(options.configPath)} cannot be loaded (stage ${loaded.stage}): ${problems}`, fix || "Fix the config file, then run doctor again.");
    return redacted(reportOf([check]), env, options.secretEnvNames ?? []);
  }
  const { contract } = loaded;
  const checks: DoctorCheck[] = [passed("config", "config", `${basename(options.configPath)} loads and follows the contract's rules.`)];
  checks.push(...checkTrustedContext(contract, env), ...(await checkHttpJwtKey(contract, env)), ...checkSourceEnv(contract, env), ...checkCredentialsDiffer(contract, env));

  const reachable = new Map<string, ReachableSource>();
  try {
    for (const [name, source] of Object.entries(contract.sources)) {
      const url = env[source.read_url_env];
      if (!url) continue;
      const connected = await connectSource(name, source, url);
      checks.push(connected.check);
      if (connected.source) reachable.set(name, connected.source);
    }
    checks.push(...(await sourceChecks(contract, options, reachable)));
  } finally {
    await Promise.all([...reachable.values()].map((s) => s.adapter.close().catch(() => undefined)));
  }

  const urlEnv = options.store === undefined ? options.storeUrlEnv ?? contract.storage?.postgres_url_env : undefined;
  if (urlEnv !== undefined) checks.push(...(await checkPostgresStore(urlEnv, contract.storage?.ledger_key_env, env)));
  else {
    const storePath = options.store ?? resolvePath(dirname(resolvePath(options.configPath)), contract.storage?.sqlite_path ?? DEFAULT_STORE_PATH);
    checks.push(checkStore(storePath, contract.storage?.durability), checkLease(storePath));
  }
  if (options.checkHandlers) checks.push(...(await checkHandlers(contract, env)));
  // A --store-url-env the config does not name is a secret too.
  return redacted(reportOf(checks), env, [...envNamesOf(contract), ...(urlEnv !== undefined ? [urlEnv] : []), ...(options.secretEnvNames ?? [])]);
}

/** Schema, read-only grants, statements, tenant rows and the boundary, for the sources that connected. */
async function sourceChecks(contract: Contract, options: DoctorOptions, reachable: Map<string, ReachableSource>): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const snapshots: Record<string, SchemaSnapshot> = {};
  for (const source of reachable.values()) {
    const inspected = await inspectSource(source);
    if (inspected.check) checks.push(inspected.check);
    if (inspected.snapshot) snapshots[source.name] = inspected.snapshot;
  }
  // Capabilities of a source that did not connect are left out: their failure is already reported.
  const checked: Contract = { ...contract, capabilities: contract.capabilities.filter((c) => snapshots[c.source] !== undefined) };
  if (checked.capabilities.length === 0) return checks;
  const resolved = resolveContract(checked, snapshots);
  if (!resolved.ok) {
    checks.push(...(await schemaChecks(checked, resolved.diagnostics, reachable)));
    return checks;
  }
  const plan = planBuild({ contract: checked, resolved: resolved.value, configFile: basename(options.configPath), configSha256: "", runnerVersion: RUNNER_VERSION });
  const { tenant } = trustedContextEnv(contract);
  for (const source of reachable.values()) {
    const caps = plan.capabilities.filter((c) => c.source === source.name);
    if (caps.length === 0 || !snapshots[source.name]) continue;
    checks.push(schemaPassed(source, caps.length));
    checks.push(...(await readOnlyChecks(source, caps)));
    checks.push(...(await statementChecks(source, plan, caps)));
    checks.push(...(await tenantChecks(source, caps, tenant, options.env[tenant] || undefined)));
  }
  checks.push(checkBoundary(plan));
  if (options.checkWriteback) checks.push(...(await checkWriteback(plan, options.env)));
  return checks;
}

/** The report with every value of the named variables, and anything shaped like a credential, replaced. */
function redacted(report: DoctorReport, env: NodeJS.ProcessEnv, names: string[]): DoctorReport {
  const known = names.map((n) => env[n]).filter((v): v is string => typeof v === "string" && v !== "");
  const clean = (text: string) => redactCredentials(text, known);
  return { ok: report.ok, checks: report.checks.map((c) => ({ ...c, message: clean(c.message), fix: c.fix === null ? null : clean(c.fix) })) };
}
