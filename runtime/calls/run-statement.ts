// Runs a capability's fixed statement. Driver failures become stable codes; the raw
// driver text goes to the ledger (or stderr if the ledger itself is failing), never back.

import { classifyDatabaseError } from "../db/classify.ts";
import type { Row } from "../db/adapter.ts";
import { describeCause, fail, type Outcome } from "../errors.ts";
import { checkArguments } from "./arguments.ts";
import type { CallEnvironment, PreparedCapability } from "./call-context.ts";

export interface StatementResult {
  rows: Row[];
  params: unknown[];
  durationMs: number;
}

export interface LookupResult extends StatementResult {
  args: Record<string, unknown>;
}

/**
 * The common start of every tool call: validate the arguments, then run the one fixed statement.
 * `refuse` is the caller's own check of valid arguments, also made before any database call.
 */
export async function runLookup(
  env: CallEnvironment,
  prepared: PreparedCapability,
  rawArgs: unknown,
  refuse?: (args: Record<string, unknown>) => Outcome<unknown> | undefined,
): Promise<Outcome<LookupResult>> {
  const cap = prepared.capability;
  const checked = checkArguments(cap.validateArgs, cap.inputSchema, rawArgs);
  if (!checked.ok) return checked;
  const refused = refuse?.(checked.value);
  if (refused && !refused.ok) return refused;
  const result = await runStatement(env, prepared, checked.value);
  if (!result.ok) return result;
  return { ok: true, value: { ...result.value, args: checked.value } };
}

export async function runStatement(
  env: CallEnvironment,
  prepared: PreparedCapability,
  args: Record<string, unknown>,
): Promise<Outcome<StatementResult>> {
  const cap = prepared.capability;
  const adapter = env.adapters.get(cap.source);
  if (!adapter) return fail("INTERNAL", "This capability's source is not configured in the server.");
  const params = cap.params(args, env.context);
  const started = performance.now();
  try {
    const rows = await adapter.query(cap.statement, params);
    return { ok: true, value: { rows, params, durationMs: performance.now() - started } };
  } catch (cause) {
    const classified = classifyDatabaseError(cause);
    await recordFailureSafely(env, prepared, classified.code, describeCause(cause));
    return fail(classified.code, classified.message);
  }
}

export async function recordFailureSafely(env: CallEnvironment, prepared: PreparedCapability, code: string, internal: string): Promise<void> {
  const cap = prepared.capability;
  try {
    await env.ledger.reads.recordFailure({
      capability: cap.name,
      tenantId: env.context.tenantId,
      principal: env.context.principal,
      ...(env.context.roles !== undefined ? { roles: env.context.roles } : {}),
      source: cap.source,
      table: prepared.tableLabel,
      statementFingerprint: prepared.fingerprint,
      code,
      internal,
      ...(env.traceparent !== undefined ? { traceparent: env.traceparent } : {}),
    });
  } catch (ledgerCause) {
    env.log({ level: "error", event: "ledger_write_failed", capability: cap.name, code, detail: describeCause(ledgerCause) });
  }
}

export const STORE_UNAVAILABLE = "The local audit store is unavailable, so no result was returned; try again shortly.";
