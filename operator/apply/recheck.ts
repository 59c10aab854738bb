// Apply trusts only the build. Before any executor runs, the stored change set is compared
// with the compiled capability, field by field: the target and its key and tenant columns,
// the patch columns and values, the guards, the approval role and the executor. The ledger's
// copy of those rules is never what decides; the build's is. A pure function: the caller
// refuses with POLICY_VIOLATION and the differences it returns.

import type { ArgPlan, CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { canonicalJson } from "../../runtime/ledger/hash.ts";
import type { Decision, EvidenceBundle, StoredProposal } from "../../runtime/ledger/records.ts";
import type { Scalar } from "../../runtime/values.ts";
import { terminalName, terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import { projectRow } from "../../runtime/calls/visible.ts";
import { sameValue } from "../../runtime/calls/policy.ts";
import { compareDecimal, decimalOfNumber, exactDecimal } from "../../runtime/decimal.ts";
import { checkArguments } from "../../runtime/calls/arguments.ts";
import type { ArgsValidator, JsonSchema } from "../../runtime/capability.ts";
import { argumentsValidator } from "../../compiler/emit/validators.ts";

export interface RecheckInput {
  proposal: StoredProposal;
  /** The approval apply acts on. */
  approval: Decision;
  /** The evidence bundle the proposal links to (the read it was made from), if the ledger has it. */
  evidence: EvidenceBundle | undefined;
  capability: CapabilityPlan;
}

/** Every way the stored proposal differs from what the build allows; empty when it matches. */
export function recheckProposal({ proposal, approval, evidence, capability }: RecheckInput): string[] {
  const plan = capability.proposal;
  if (capability.kind !== "proposal" || !plan) return [`${capability.name} is not a proposal capability in this build`];
  const out: string[] = [];
  const differ = (what: string, stored: unknown, built: unknown) => out.push(`${what} is ${show(stored)}, the build's is ${show(built)}`);
  const { target, guards } = proposal;

  // Where the write goes.
  if (proposal.source !== capability.source) differ("the source", proposal.source, capability.source);
  const storedTable = tableLabel(target.schema, target.table);
  const builtTable = tableLabel(capability.target.schema, capability.target.table);
  if (storedTable !== builtTable) differ("the target table", storedTable, builtTable);
  if (target.primaryKey.column !== capability.target.primaryKey) differ("the primary key column", target.primaryKey.column, capability.target.primaryKey);
  if (guards.tenant.column !== capability.target.tenantKey) differ("the tenant column", guards.tenant.column, capability.target.tenantKey);

  // Which row and tenant: every copy the proposal carries must agree.
  const objectId = target.primaryKey.value;
  if (guards.tenant.value !== proposal.tenantId) out.push(`the tenant guard ${show(guards.tenant.value)} is not the proposal's tenant ${show(proposal.tenantId)}`);
  if (!sameText(proposal.args[plan.idArg], objectId)) out.push(`the row id ${show(objectId)} is not the id argument ${show(proposal.args[plan.idArg])} the proposal was made with`);
  for (const [label, row] of [["before", proposal.before], ["after", proposal.after]] as const) {
    if (Object.hasOwn(row, capability.target.primaryKey) && !sameText(row[capability.target.primaryKey], objectId)) {
      out.push(`the ${label} row's ${terminalName(capability.target.primaryKey)} is not the row id ${show(objectId)}`);
    }
    if (Object.hasOwn(row, capability.target.tenantKey) && !sameText(row[capability.target.tenantKey], proposal.tenantId)) {
      out.push(`the ${label} row's ${terminalName(capability.target.tenantKey)} is not the proposal's tenant ${show(proposal.tenantId)}`);
    }
  }
  if (!evidence) out.push(`its evidence bundle ${show(proposal.evidenceId)} is missing`);
  else {
    if (evidence.capability !== proposal.capability) out.push(`its evidence was read by ${show(evidence.capability)}, not ${show(proposal.capability)}`);
    if (evidence.tenantId !== proposal.tenantId) out.push(`its evidence was read in tenant ${show(evidence.tenantId)}, not ${show(proposal.tenantId)}`);
    if (!evidence.objectIds.includes(objectId)) out.push(`its evidence does not cover row ${show(objectId)}`);
    // The proposal call records its arguments and the row it read as the evidence, in the same
    // call and from the same values: the stored proposal must carry exactly those.
    if (!same(proposal.args, evidence.args)) out.push(`its arguments ${show(proposal.args)} are not those its evidence was read with ${show(evidence.args)}`);
    // Evidence keeps what the model was shown (the visible columns; bundles from before that
    // projection kept the whole row), so the before row is compared on those columns.
    const shown = (row: Record<string, unknown>) => projectRow(row, capability.visibleColumns);
    if (evidence.rows.length !== 1 || !same(shown(proposal.before), shown(evidence.rows[0]!))) out.push(`the before row is not the row its evidence read`);
  }

  // What changes: exactly the planned columns, fixed values as built, argument values within their
  // limits. A column an optional argument feeds is absent exactly when the proposal's arguments
  // lack that argument; a patch with no column at all changes nothing and is never applied.
  const planned = new Map(plan.patch.map((p) => [p.column, p.value]));
  const leftOut = (column: string) => {
    const source = planned.get(column);
    return source !== undefined && "arg" in source && !isRequired(capability.args, source.arg) && !Object.hasOwn(proposal.args, source.arg);
  };
  const extra = Object.keys(proposal.patch).filter((c) => !planned.has(c));
  const missing = [...planned.keys()].filter((c) => !Object.hasOwn(proposal.patch, c) && !leftOut(c));
  if (extra.length > 0) out.push(`the patch changes ${extra.map(terminalName).join(", ")}, which the build does not plan`);
  if (missing.length > 0) out.push(`the patch lacks ${missing.map(terminalName).join(", ")}, which the build plans`);
  if (Object.keys(proposal.patch).length === 0) out.push("the patch changes no column");
  for (const [column, source] of planned) {
    if (!Object.hasOwn(proposal.patch, column)) continue;
    if ("arg" in source && !Object.hasOwn(proposal.args, source.arg)) {
      out.push(`the patch sets ${terminalName(column)}, but the proposal was made without its argument ${terminalName(source.arg)}`);
      continue;
    }
    const value = proposal.patch[column]!;
    if ("fixed" in source) {
      if (!same(value, source.fixed)) differ(`the value of ${terminalName(column)}`, value, source.fixed);
      continue;
    }
    if (!same(value, proposal.args[source.arg])) out.push(`the value of ${terminalName(column)} is not the argument ${terminalName(source.arg)} the proposal was made with`);
    const problem = argumentProblem(capability, source.arg, value);
    if (problem) out.push(`the value of ${terminalName(column)} ${problem}`);
  }
  for (const [column, bounds] of Object.entries(plan.numericBounds)) {
    if (!Object.hasOwn(proposal.patch, column)) continue;
    const problem = boundsProblem(proposal.patch[column]!, bounds);
    if (problem) out.push(`the value of ${terminalName(column)} ${problem}`);
  }
  for (const key of new Set([...Object.keys(proposal.before), ...Object.keys(proposal.after)])) {
    const expected = Object.hasOwn(proposal.patch, key) ? proposal.patch[key] : proposal.before[key];
    if (!same(proposal.after[key], expected)) out.push(`the after row's ${terminalName(key)} is not the before row with the patch applied`);
  }

  // Under which guards.
  const builtTransitions = Object.entries(plan.transitionGuards).map(([column, g]) => ({ column, from: g.from, to: g.to }));
  if (!same(sortedByColumn(guards.transitions ?? []), sortedByColumn(builtTransitions))) {
    differ("the list of transition guards", guards.transitions ?? [], builtTransitions);
  }
  for (const t of builtTransitions) {
    if (Object.hasOwn(proposal.patch, t.column) && !t.to.some((v) => same(v, proposal.patch[t.column]))) {
      out.push(`the value of ${terminalName(t.column)} ${show(proposal.patch[t.column])} is not one the transition guard allows (${show(t.to)})`);
    }
  }
  const builtPreconditions = Object.entries(plan.preconditions ?? {}).map(([column, p]) => ({ column, oneOf: p.oneOf }));
  if (!same(sortedByColumn(guards.preconditions ?? []), sortedByColumn(builtPreconditions))) {
    differ("the list of preconditions", guards.preconditions ?? [], builtPreconditions);
  }
  // The proposal was refused unless the row it read met every precondition; the UPDATE re-checks the live row.
  for (const p of builtPreconditions) {
    if (!p.oneOf.some((v) => sameValue(v, proposal.before[p.column]))) {
      out.push(`the before row's ${terminalName(p.column)} ${show(proposal.before[p.column])} is not one its precondition allows (${show(p.oneOf)})`);
    }
  }
  const builtVersion = plan.conflictColumn ?? null;
  const storedVersion = guards.conflict?.column ?? null;
  if (storedVersion !== builtVersion) differ("the expected-version column", storedVersion, builtVersion);
  if (builtVersion !== null) {
    // The proposal reads the version column with the row; without it the expected version could be anything.
    if (!Object.hasOwn(proposal.before, builtVersion)) out.push(`the before row lacks the version column ${terminalName(builtVersion)}`);
    else if (guards.conflict?.column === builtVersion && !same(proposal.before[builtVersion], guards.conflict.expected)) {
      out.push(`the expected version is not the version of the before row`);
    }
  }

  // Who approved and who writes.
  const requiredRole = plan.approval.requiredRole ?? null;
  if ((proposal.approval.requiredRole ?? null) !== requiredRole) differ("the required approval role", proposal.approval.requiredRole ?? null, requiredRole);
  if (requiredRole !== null && approval.role !== requiredRole) out.push(`the approval's role ${show(approval.role)} is not the required ${show(requiredRole)}`);
  // The deadlines the proposal carries are the build's: a longer window or none is never taken from the ledger.
  for (const [field, label] of [
    ["expiresAfter", "review deadline (approval.expires_after)"],
    ["validFor", "approval window (approval.valid_for)"],
    ["reviewers", "reviewer declaration"],
  ] as const) {
    const stored = proposal.approval[field] ?? null;
    const built = plan.approval[field] ?? null;
    if (stored !== built) differ(`the ${label}`, stored, built);
  }
  if (proposal.executor.name !== plan.executor.name || proposal.executor.type !== plan.executor.type) {
    differ("the executor", `${proposal.executor.name} (${proposal.executor.type})`, `${plan.executor.name} (${plan.executor.type})`);
  }
  return out;
}

function isRequired(args: readonly ArgPlan[], name: string): boolean {
  return args.some((a) => a.name === name && a.required);
}

/**
 * Whether the value an argument fed is one the runtime's argument check accepts: the build's
 * schema for that argument (type, bounds, length, enum, the canonical pattern of a number written
 * as text) and then the exact range of that text (runtime/calls/arguments.ts), not a copy of them.
 */
function argumentProblem(capability: CapabilityPlan, name: string, value: Scalar): string | undefined {
  const properties = (capability.inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  if (!capability.args.some((a) => a.name === name) || !Object.hasOwn(properties, name)) return `argument ${terminalName(name)} is not declared`;
  const schema: JsonSchema = { type: "object", properties: { [name]: properties[name]! }, required: [name], additionalProperties: false };
  let byName = validators.get(capability.inputSchema);
  if (!byName) validators.set(capability.inputSchema, (byName = new Map()));
  let validate = byName.get(name);
  if (!validate) byName.set(name, (validate = argumentsValidator(schema) as ArgsValidator));
  const checked = checkArguments(validate, schema, { [name]: value });
  return checked.ok ? undefined : `${show(value)} is refused by the build's check of argument ${terminalName(name)}: ${terminalSafe(checked.failure.error.message)}`;
}

/** One compiled validator per (build's input schema, argument); the plan object lives as long as the build. */
const validators = new WeakMap<object, Map<string, ArgsValidator>>();

/** Exact, as the runtime's policy check: no floating point, text only in canonical decimal form. */
function boundsProblem(value: Scalar, bounds: { minimum?: number; maximum?: number }): string | undefined {
  const n = exactDecimal(value);
  if (n === undefined) return `${show(value)} is not a number, and numeric_bounds apply`;
  const minimum = bounds.minimum === undefined ? undefined : decimalOfNumber(bounds.minimum);
  const maximum = bounds.maximum === undefined ? undefined : decimalOfNumber(bounds.maximum);
  if (minimum !== undefined && compareDecimal(n, minimum) < 0) return `${n} is below the numeric bound ${minimum}`;
  if (maximum !== undefined && compareDecimal(n, maximum) > 0) return `${n} is above the numeric bound ${maximum}`;
  return undefined;
}

function sortedByColumn<T extends { column: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** Ids are compared as text: a bigint key is read as text, an integer argument is a number. */
function sameText(a: unknown, b: unknown): boolean {
  return a !== null && a !== undefined && b !== null && b !== undefined && sameValue(a, b);
}


/** Ledger values are untrusted: quoted as JSON, then escaped for a terminal (JSON leaves C1 and bidi controls alone). */
function show(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  // Cut before escaping: a cut through a surrogate pair leaves a lone surrogate, which is escaped too.
  return terminalSafe(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
