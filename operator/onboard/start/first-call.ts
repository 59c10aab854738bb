// What the first smoke call needs that the config does not hold: a tenant and a principal (from
// the trusted env vars when set, else asked for, offering the tenant ids seen in the table) and
// optionally one real object id. The tenant and principal live only in this process's memory for
// that one call; only the object id is recorded, in .synapsor/smoke-input.json.

import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Scalar } from "../../../compiler/config/contract.ts";
import type { SchemaSnapshot } from "../../../compiler/inspect/snapshot.ts";
import { terminalName, terminalValue } from "../../../runtime/text/terminal-safe.ts";
import type { OnboardingSelection } from "../selection.ts";
import { smokeInputPath } from "../../smoke/smoke-input.ts";
import { parseValue } from "../wizard/defaults.ts";
import type { Asker, Choice } from "../wizard/prompt.ts";
import { tableOf } from "../wizard/steps.ts";
import { objectIdsQuery, seenValues, tenantValuesQuery } from "./seen-values.ts";

export interface TrustedContext {
  tenant: string;
  principal: string;
  /** Where each came from, for the summary: "env" when the variable was set, "asked" otherwise. */
  source: "env" | "asked";
}

const TYPE_ANOTHER = Symbol("type another");
const SKIP = Symbol("skip");

/** The tenant and principal for the smoke call: the trusted env vars when both are set, else asked. */
export async function trustedContextForSmoke(
  ask: Asker,
  selection: OnboardingSelection,
  snapshot: SchemaSnapshot,
  readUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TrustedContext> {
  const fromEnv = { tenant: env[selection.tenant_env], principal: env[selection.principal_env] };
  if (fromEnv.tenant && fromEnv.principal) return { tenant: fromEnv.tenant, principal: fromEnv.principal, source: "env" };

  const table = tableOf(selection, snapshot);
  const seen = await seenValues(snapshot.engine, readUrl, tenantValuesQuery(snapshot.engine, table, selection.tenant_column));
  const validate = (t: string) => (t === "" ? "Type a value." : undefined);
  let tenant = fromEnv.tenant;
  if (!tenant) {
    const choices: Array<Choice<string | typeof TYPE_ANOTHER>> = [
      ...seen.map((v) => ({ label: terminalValue(v), value: v })),
      { label: "type another value", value: TYPE_ANOTHER },
    ];
    const picked = seen.length > 0
      ? await ask.select(`${selection.tenant_env} is not set. Which tenant (${terminalName(selection.tenant_column)}) should the first call run as?`, choices)
      : TYPE_ANOTHER;
    tenant = picked === TYPE_ANOTHER ? await ask.input(`Tenant id (a value of ${terminalName(selection.tenant_column)}) for the first call:`, { validate }) : picked;
  }
  const principal = fromEnv.principal || (await ask.input(`${selection.principal_env} is not set. Who is making the first call (principal)?`, { initial: env.USER ?? "local-operator", validate }));
  return { tenant, principal, source: "asked" };
}

/** An object id to read, offered from the tenant's own rows; undefined when the person skips. */
export async function askSampleObjectId(
  ask: Asker,
  selection: OnboardingSelection,
  snapshot: SchemaSnapshot,
  readUrl: string,
  tenant: string,
): Promise<Scalar | undefined> {
  const table = tableOf(selection, snapshot);
  const key = table.columns.find((c) => c.name === selection.primary_key)!;
  const seen = await seenValues(snapshot.engine, readUrl, objectIdsQuery(snapshot.engine, table, selection.primary_key, selection.tenant_column), [tenant]);
  const choices: Array<Choice<string | typeof TYPE_ANOTHER | typeof SKIP>> = [
    ...seen.map((v) => ({ label: terminalValue(v), value: v })),
    { label: "type an id", value: TYPE_ANOTHER },
    { label: "skip the smoke call", value: SKIP },
  ];
  const picked = await ask.select(`Which ${terminalName(key.name)} should the first call read (the tenant's own rows)?`, choices);
  if (picked === SKIP) return undefined;
  const text =
    picked === TYPE_ANOTHER
      ? await ask.input(`${terminalName(key.name)} of one row:`, { validate: (t) => { const p = parseValue(key, t); return p.ok ? undefined : p.problem; } })
      : picked;
  const parsed = parseValue(key, text);
  return parsed.ok ? parsed.value : text;
}

/** Records the first call's tool and arguments next to the config; written whole or not at all. */
export function writeSmokeInput(configPath: string, input: { tool: string; args: Record<string, Scalar> }): string {
  const path = smokeInputPath(configPath);
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  writeFileSync(temp, JSON.stringify(input, null, 2) + "\n", { encoding: "utf8", flag: "wx" });
  renameSync(temp, path);
  return path;
}
