// Contract rules: checks that relate one part of a schema-valid contract to another
// (names, references, credentials, lookups, patches). They need no database; checks
// against the real schema belong to the resolve stage. Every rule runs and every
// problem is collected, so one `config validate` lists them all.

import type {
  ArgConfig,
  CapabilityConfig,
  Contract,
  ProposalCapabilityConfig,
  Scalar,
} from "./contract.ts";
import { pointer, type Diagnostic } from "../diagnostics.ts";
import { didYouMean, quoteList } from "./suggest.ts";

/** Every rule code with a one-line summary; docs/contract.md documents each of them. */
export const CONTRACT_RULES = [
  { code: "DUPLICATE_CAPABILITY", summary: "two capabilities share a name" },
  { code: "INVALID_CAPABILITY_NAME", summary: "name is not `namespace.verb_object` (lowercase, one dot, at most 64 characters) or its OpenAI alias collides" },
  { code: "INVALID_ARGUMENT_NAME", summary: "an argument name is not a lowercase identifier" },
  { code: "TRUST_SCOPE_ARGUMENT", summary: "an argument names or feeds a trust scope (tenant, organization, principal, role, ...)" },
  { code: "PROPOSAL_IN_READ_ONLY_MODE", summary: "a proposal capability in a read_only contract" },
  { code: "UNKNOWN_SOURCE", summary: "a capability or executor names a source that is not declared" },
  { code: "UNKNOWN_EXECUTOR", summary: "a proposal names an executor that is not declared" },
  { code: "EXECUTOR_SOURCE_MISMATCH", summary: "a sql_update executor bound to another source than the proposal's" },
  { code: "SHARED_WRITE_CREDENTIAL", summary: "write_url_env is the same variable as read_url_env" },
  { code: "MISSING_WRITE_CREDENTIAL", summary: "a source with sql_update proposals has no write_url_env" },
  { code: "INVALID_LOOKUP", summary: "lookup sets both or neither of id_from_arg and filters, or orders a single-row lookup" },
  { code: "PROPOSAL_REQUIRES_ID_LOOKUP", summary: "a proposal looks its row up by filters instead of id_from_arg" },
  { code: "ID_ARGUMENT_NOT_REQUIRED", summary: "the argument of id_from_arg is optional" },
  { code: "INVALID_MAX_ROWS", summary: "max_rows is not 1 for a single-row lookup" },
  { code: "UNKNOWN_ARGUMENT", summary: "id_from_arg / from_arg names an argument that is not declared" },
  { code: "UNUSED_ARGUMENT", summary: "a declared argument feeds nothing" },
  { code: "PATCH_COLUMN_NOT_ALLOWED", summary: "a patch column is missing from allowed_columns" },
  { code: "PATCH_PROTECTED_COLUMN", summary: "patch or allowed_columns includes the primary key or tenant key" },
  { code: "GUARDED_COLUMN_NOT_ALLOWED", summary: "numeric_bounds or transition_guards names a column outside allowed_columns" },
  { code: "INVALID_BOUNDS", summary: "a numeric bound has minimum greater than maximum" },
  { code: "FIXED_VALUE_OUT_OF_BOUNDS", summary: "a fixed patch value breaks the column's numeric bounds" },
  { code: "FIXED_VALUE_NOT_IN_TRANSITION", summary: "a fixed patch value is not in the column's transition `to` list" },
  { code: "CONFLICT_GUARD_IN_PATCH", summary: "the conflict-guard column is also patched" },
  { code: "INVALID_ARGUMENT_CONSTRAINT", summary: "an argument's constraints contradict its type or each other" },
] as const;

export type ContractRuleCode = (typeof CONTRACT_RULES)[number]["code"];

type Report = (code: ContractRuleCode, at: string, message: string, fix: string) => void;

/**
 * Names that mean "who is asking" or "whose data". Compared after lowercasing and dropping
 * separators, so tenantId, tenant-id and TENANT_ID all match. account_id is deliberately
 * absent: it is usually a business key (the customer account a ticket belongs to). When an
 * account is the tenant, the target's tenant_key names it and the feed check below catches it.
 */
const TRUST_SCOPE_NAMES = new Set([
  "tenant", "tenantid", "tenantkey", "tenantslug",
  "org", "orgid", "organization", "organizationid", "organisation", "organisationid",
  "workspace", "workspaceid",
  "principal", "principalid",
  "actor", "actorid",
  "approver", "approverid", "approvedby",
  "role", "userrole", "requiredrole",
]);

const NAME_SEGMENT = /^[a-z][a-z0-9_]*$/;
export const MAX_CAPABILITY_NAME_LENGTH = 64;

export function checkContractRules(contract: Contract): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (code, at, message, fix) => diagnostics.push({ code, pointer: at, message, fix });
  checkNames(contract, report);
  checkSources(contract, report);
  contract.capabilities.forEach((capability, index) => {
    const at = (...rest: Array<string | number>) => pointer("capabilities", index, ...rest);
    checkMode(contract, capability, at, report);
    checkReferences(contract, capability, at, report);
    checkArguments(capability, at, report);
    checkLookup(capability, at, report);
    if (capability.kind === "proposal") checkPatch(capability, at, report);
  });
  checkWriteCredentials(contract, report);
  return diagnostics;
}

/** The name an OpenAI-compatible client sees (function names cannot contain dots). */
export function openAiAlias(name: string): string {
  return name.replace(/\./g, "__");
}

function checkNames(contract: Contract, report: Report): void {
  const byName = new Map<string, number>();
  const byAlias = new Map<string, number>();
  contract.capabilities.forEach((capability, index) => {
    const at = pointer("capabilities", index, "name");
    const { name } = capability;
    const first = byName.get(name);
    if (first !== undefined) {
      report(
        "DUPLICATE_CAPABILITY",
        at,
        `Capability name '${name}' is already used by capabilities/${first}.`,
        "Give each capability its own name; tool names must be unique.",
      );
      return;
    }
    byName.set(name, index);
    const segments = name.split(".");
    const wellFormed =
      segments.length === 2 && segments.every((s) => NAME_SEGMENT.test(s)) && name.length <= MAX_CAPABILITY_NAME_LENGTH;
    if (!wellFormed) {
      report(
        "INVALID_CAPABILITY_NAME",
        at,
        `Capability name '${name}' is not of the form namespace.verb_object (two lowercase segments of letters, digits and underscores joined by one dot, at most ${MAX_CAPABILITY_NAME_LENGTH} characters).`,
        `Rename it, e.g. '${suggestName(name)}'.`,
      );
      return;
    }
    const alias = openAiAlias(name);
    const clash = byAlias.get(alias);
    if (clash !== undefined) {
      report(
        "INVALID_CAPABILITY_NAME",
        at,
        `Capability name '${name}' and '${contract.capabilities[clash]!.name}' (capabilities/${clash}) both become the OpenAI alias '${alias}'.`,
        "Rename one of them; avoid double underscores around the dot.",
      );
      return;
    }
    byAlias.set(alias, index);
  });
}

function suggestName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_.]+/g, "_")
    .split(".")
    .filter((s) => s.length > 0);
  const namespace = (cleaned[0] ?? "app").replace(/^[^a-z]+/, "") || "app";
  const rest = cleaned.slice(1).join("_").replace(/^[^a-z]+/, "") || "inspect_record";
  return `${namespace}.${rest}`.slice(0, MAX_CAPABILITY_NAME_LENGTH);
}

function checkSources(contract: Contract, report: Report): void {
  for (const [name, source] of Object.entries(contract.sources)) {
    if (source.write_url_env !== undefined && source.write_url_env === source.read_url_env) {
      report(
        "SHARED_WRITE_CREDENTIAL",
        pointer("sources", name, "write_url_env"),
        `Source '${name}' uses ${source.read_url_env} for both reads and writes.`,
        "Point write_url_env at a separate variable holding a credential that only trusted apply uses; keep read_url_env read-only.",
      );
    }
  }
}

function checkMode(contract: Contract, capability: CapabilityConfig, at: Pointer, report: Report): void {
  if (contract.mode === "read_only" && capability.kind === "proposal") {
    report(
      "PROPOSAL_IN_READ_ONLY_MODE",
      at("kind"),
      `Proposal capability '${capability.name}' is not allowed in mode "read_only".`,
      'Set "mode": "review" to allow proposals, or remove this capability.',
    );
  }
}

type Pointer = (...rest: Array<string | number>) => string;

function checkReferences(contract: Contract, capability: CapabilityConfig, at: Pointer, report: Report): void {
  const sources = Object.keys(contract.sources);
  if (!(capability.source in contract.sources)) {
    report(
      "UNKNOWN_SOURCE",
      at("source"),
      `Capability '${capability.name}' reads source '${capability.source}', which is not declared under sources.${didYouMean(capability.source, sources)}`,
      `Use one of ${quoteList(sources)} or declare the source.`,
    );
  }
  if (capability.kind !== "proposal" || capability.executor === undefined) return;
  const executors = contract.executors ?? {};
  const executor = executors[capability.executor];
  if (!executor) {
    report(
      "UNKNOWN_EXECUTOR",
      at("executor"),
      `Proposal '${capability.name}' uses executor '${capability.executor}', which is not declared under executors.${didYouMean(capability.executor, Object.keys(executors))}`,
      `Use one of ${quoteList(Object.keys(executors))}, declare it, or remove "executor" for a direct sql_update.`,
    );
    return;
  }
  if (
    executor.type === "sql_update" &&
    executor.source !== undefined &&
    executor.source in contract.sources &&
    executor.source !== capability.source
  ) {
    report(
      "EXECUTOR_SOURCE_MISMATCH",
      at("executor"),
      `Proposal '${capability.name}' changes rows of source '${capability.source}' but executor '${capability.executor}' writes through source '${executor.source}'.`,
      "Use a sql_update executor for the same source, or drop the executor's source so it follows the proposal.",
    );
  }
}

/** Which executor type carries out a proposal; no executor means sql_update. */
function executorType(contract: Contract, proposal: ProposalCapabilityConfig): string | undefined {
  if (proposal.executor === undefined) return "sql_update";
  return contract.executors?.[proposal.executor]?.type;
}

function checkWriteCredentials(contract: Contract, report: Report): void {
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type === "sql_update" && executor.source !== undefined && !(executor.source in contract.sources)) {
      report(
        "UNKNOWN_SOURCE",
        pointer("executors", name, "source"),
        `Executor '${name}' writes through source '${executor.source}', which is not declared under sources.${didYouMean(executor.source, Object.keys(contract.sources))}`,
        `Use one of ${quoteList(Object.keys(contract.sources))}.`,
      );
    }
  }
  const needsWrite = new Map<string, string[]>();
  for (const capability of contract.capabilities) {
    if (capability.kind !== "proposal" || !(capability.source in contract.sources)) continue;
    if (executorType(contract, capability) !== "sql_update") continue;
    needsWrite.set(capability.source, [...(needsWrite.get(capability.source) ?? []), capability.name]);
  }
  for (const [name, proposals] of needsWrite) {
    if (contract.sources[name]!.write_url_env !== undefined) continue;
    report(
      "MISSING_WRITE_CREDENTIAL",
      pointer("sources", name),
      `Source '${name}' has no write_url_env, but ${quoteList(proposals)} apply approved changes with sql_update through it.`,
      'Add "write_url_env" naming a variable with a write credential (different from read_url_env), or give those proposals an http_handler or command_handler executor.',
    );
  }
}

function checkArguments(capability: CapabilityConfig, at: Pointer, report: Report): void {
  const args = capability.args ?? {};
  const tenantKey = normalise(capability.target.tenant_key);
  const flagged = new Set<string>();
  for (const [name, arg] of Object.entries(args)) {
    if (!NAME_SEGMENT.test(name) || name.length > 64) {
      report(
        "INVALID_ARGUMENT_NAME",
        at("args", name),
        `Argument name '${name}' is not a lowercase identifier (letters, digits, underscores, starting with a letter, at most 64 characters).`,
        "Rename it; argument names become tool parameters and generated TypeScript properties.",
      );
    }
    const key = normalise(name);
    if (TRUST_SCOPE_NAMES.has(key) || key === tenantKey) {
      flagged.add(name);
      report(
        "TRUST_SCOPE_ARGUMENT",
        at("args", name),
        `Argument '${name}' would let the model choose a trust scope (tenant, organization, principal or role).`,
        "Remove it: tenant and principal come from trusted_context, and the tenant key is added to every query automatically.",
      );
    }
    checkArgumentConstraints(name, arg, at, report);
  }
  // Whatever its name, an argument must not decide the value of the tenant key column.
  const feeds = argumentFeeds(capability);
  for (const feed of feeds) {
    if (feed.column !== capability.target.tenant_key || flagged.has(feed.arg)) continue;
    flagged.add(feed.arg);
    report(
      "TRUST_SCOPE_ARGUMENT",
      feed.at(at),
      `Argument '${feed.arg}' feeds the tenant key column '${feed.column}', so the model could pick the tenant.`,
      "Remove this filter or patch entry: the tenant key is always bound to the trusted tenant id.",
    );
  }
  for (const feed of feeds) {
    if (feed.arg in args) continue;
    report(
      "UNKNOWN_ARGUMENT",
      feed.at(at),
      `'${feed.arg}' is not an argument of '${capability.name}'.${didYouMean(feed.arg, Object.keys(args))}`,
      `Declare "${feed.arg}" under args, or use one of ${quoteList(Object.keys(args))}.`,
    );
  }
  const used = new Set(feeds.map((f) => f.arg));
  for (const name of Object.keys(args)) {
    if (used.has(name) || flagged.has(name)) continue;
    report(
      "UNUSED_ARGUMENT",
      at("args", name),
      `Argument '${name}' of '${capability.name}' is declared but feeds no lookup, filter or patch value.`,
      "Remove it, or reference it from lookup.id_from_arg, a filter's from_arg or a patch value's from_arg.",
    );
  }
}

interface ArgumentFeed {
  arg: string;
  /** Column the argument's value is compared with or written to. */
  column: string;
  at: (capabilityAt: Pointer) => string;
}

/** Every place a capability consumes an argument. */
function argumentFeeds(capability: CapabilityConfig): ArgumentFeed[] {
  const feeds: ArgumentFeed[] = [];
  const { lookup } = capability;
  if (lookup.id_from_arg !== undefined) {
    feeds.push({ arg: lookup.id_from_arg, column: capability.target.primary_key, at: (at) => at("lookup", "id_from_arg") });
  }
  (lookup.filters ?? []).forEach((filter, i) => {
    if ("from_arg" in filter) {
      feeds.push({ arg: filter.from_arg, column: filter.column, at: (at) => at("lookup", "filters", i, "from_arg") });
    }
  });
  if (capability.kind === "proposal") {
    for (const [column, value] of Object.entries(capability.patch)) {
      if ("from_arg" in value) feeds.push({ arg: value.from_arg, column, at: (at) => at("patch", column, "from_arg") });
    }
  }
  return feeds;
}

function checkArgumentConstraints(name: string, arg: ArgConfig, at: Pointer, report: Report): void {
  const bad = (field: string | number, message: string, fix: string, ...more: Array<string | number>) =>
    report("INVALID_ARGUMENT_CONSTRAINT", at("args", name, field, ...more), `Argument '${name}': ${message}`, fix);
  const numeric = arg.type === "integer" || arg.type === "number";
  if (arg.max_length !== undefined && arg.type !== "string") {
    bad("max_length", `max_length applies to strings, but the type is ${arg.type}.`, "Remove max_length, or use minimum/maximum for numbers.");
  }
  for (const bound of ["minimum", "maximum"] as const) {
    if (arg[bound] !== undefined && !numeric) {
      bad(bound, `${bound} applies to integer and number arguments, but the type is ${arg.type}.`, `Remove ${bound}${arg.type === "string" ? ", or use max_length" : ""}.`);
    }
  }
  if (numeric && arg.minimum !== undefined && arg.maximum !== undefined && arg.minimum > arg.maximum) {
    bad("minimum", `minimum ${arg.minimum} is greater than maximum ${arg.maximum}; no value can pass.`, "Swap or correct the bounds.");
  }
  if (arg.type === "integer") {
    for (const bound of ["minimum", "maximum"] as const) {
      const value = arg[bound];
      if (value !== undefined && !Number.isInteger(value)) {
        bad(bound, `${bound} ${value} is not a whole number, but the type is integer.`, "Use a whole number.");
      }
    }
  }
  if (arg.enum === undefined) return;
  if (arg.type === "boolean") {
    bad("enum", "enum does not apply to boolean arguments.", "Remove enum; a boolean already has two values.");
    return;
  }
  arg.enum.forEach((value, i) => {
    const problem = enumValueProblem(arg, value);
    if (problem) bad("enum", `enum value ${JSON.stringify(value)} ${problem}.`, "Make every enum value match the argument's type and limits.", i);
  });
}

function enumValueProblem(arg: ArgConfig, value: string | number): string | undefined {
  if (arg.type === "string") {
    if (typeof value !== "string") return "is not a string";
    if (arg.max_length !== undefined && value.length > arg.max_length) return `is longer than max_length ${arg.max_length}`;
    return undefined;
  }
  if (typeof value !== "number") return `is not a ${arg.type}`;
  if (arg.type === "integer" && !Number.isInteger(value)) return "is not a whole number";
  if (arg.minimum !== undefined && value < arg.minimum) return `is below minimum ${arg.minimum}`;
  if (arg.maximum !== undefined && value > arg.maximum) return `is above maximum ${arg.maximum}`;
  return undefined;
}

function checkLookup(capability: CapabilityConfig, at: Pointer, report: Report): void {
  const { lookup } = capability;
  const byId = lookup.id_from_arg !== undefined;
  const byFilters = lookup.filters !== undefined;
  if (byId === byFilters) {
    report(
      "INVALID_LOOKUP",
      at("lookup"),
      byId
        ? `Lookup of '${capability.name}' sets both id_from_arg and filters.`
        : `Lookup of '${capability.name}' sets neither id_from_arg nor filters.`,
      'Use {"id_from_arg": "<arg>"} to read one row by primary key, or {"filters": [...]} to read a list.',
    );
  }
  if (capability.kind === "proposal" && byFilters) {
    report(
      "PROPOSAL_REQUIRES_ID_LOOKUP",
      at("lookup", "filters"),
      `Proposal '${capability.name}' finds its row with filters; a proposal changes exactly one row chosen by primary key.`,
      'Replace filters with "id_from_arg" naming the argument that holds the primary key.',
    );
  }
  if (!byId) return;
  if (lookup.order_by !== undefined) {
    report(
      "INVALID_LOOKUP",
      at("lookup", "order_by"),
      `Lookup of '${capability.name}' orders a single-row lookup by id.`,
      "Remove order_by, or use filters for a list read.",
    );
  }
  if (capability.max_rows !== undefined && capability.max_rows !== 1) {
    report(
      "INVALID_MAX_ROWS",
      at("max_rows"),
      `'${capability.name}' reads one row by id but max_rows is ${capability.max_rows}.`,
      "Set max_rows to 1 or remove it; use filters for a list read.",
    );
  }
  const idArg = capability.args?.[lookup.id_from_arg!];
  if (idArg && idArg.required !== true) {
    report(
      "ID_ARGUMENT_NOT_REQUIRED",
      at("args", lookup.id_from_arg!, "required"),
      `Argument '${lookup.id_from_arg}' selects the row of '${capability.name}' but is optional.`,
      'Add "required": true to the argument.',
    );
  }
}

function checkPatch(proposal: ProposalCapabilityConfig, at: Pointer, report: Report): void {
  const allowed = new Set(proposal.allowed_columns);
  const protectedColumns = new Set([proposal.target.primary_key, proposal.target.tenant_key]);
  const protectedReason = (column: string) =>
    column === proposal.target.tenant_key ? "the tenant key" : "the primary key";

  proposal.allowed_columns.forEach((column, i) => {
    if (!protectedColumns.has(column)) return;
    report(
      "PATCH_PROTECTED_COLUMN",
      at("allowed_columns", i),
      `allowed_columns of '${proposal.name}' includes '${column}', ${protectedReason(column)}.`,
      `Remove '${column}': a proposal never moves a row to another id or tenant.`,
    );
  });
  for (const [column, value] of Object.entries(proposal.patch)) {
    if (protectedColumns.has(column)) {
      report(
        "PATCH_PROTECTED_COLUMN",
        at("patch", column),
        `Patch of '${proposal.name}' changes '${column}', ${protectedReason(column)}.`,
        `Remove '${column}' from patch: a proposal never moves a row to another id or tenant.`,
      );
    } else if (!allowed.has(column)) {
      report(
        "PATCH_COLUMN_NOT_ALLOWED",
        at("patch", column),
        `Patch of '${proposal.name}' changes '${column}', which is not in allowed_columns.${didYouMean(column, allowed)}`,
        `Add '${column}' to allowed_columns if reviewers agree it may change, or remove it from patch.`,
      );
    }
    if ("fixed" in value) checkFixedValue(proposal, column, value.fixed, at, report);
  }
  for (const [field, entries] of [
    ["numeric_bounds", proposal.numeric_bounds],
    ["transition_guards", proposal.transition_guards],
  ] as const) {
    for (const column of Object.keys(entries ?? {})) {
      if (allowed.has(column)) continue;
      report(
        "GUARDED_COLUMN_NOT_ALLOWED",
        at(field, column),
        `${field} of '${proposal.name}' guards '${column}', which is not in allowed_columns.${didYouMean(column, allowed)}`,
        `Guard only columns listed in allowed_columns, or add '${column}' there.`,
      );
    }
  }
  for (const [column, bound] of Object.entries(proposal.numeric_bounds ?? {})) {
    if (bound.minimum !== undefined && bound.maximum !== undefined && bound.minimum > bound.maximum) {
      report(
        "INVALID_BOUNDS",
        at("numeric_bounds", column),
        `numeric_bounds for '${column}' has minimum ${bound.minimum} above maximum ${bound.maximum}; no value can pass.`,
        "Swap or correct the bounds.",
      );
    }
  }
  const guard = proposal.conflict_guard?.column;
  if (guard !== undefined && guard in proposal.patch) {
    report(
      "CONFLICT_GUARD_IN_PATCH",
      at("conflict_guard", "column"),
      `Conflict guard column '${guard}' of '${proposal.name}' is also patched, so it cannot detect concurrent changes.`,
      "Guard on a column the proposal does not change (e.g. updated_at or a version counter).",
    );
  }
}

function checkFixedValue(proposal: ProposalCapabilityConfig, column: string, value: Scalar, at: Pointer, report: Report): void {
  const transition = proposal.transition_guards?.[column];
  if (transition && !transition.to.some((allowed) => allowed === value)) {
    report(
      "FIXED_VALUE_NOT_IN_TRANSITION",
      at("patch", column, "fixed"),
      `Patch of '${proposal.name}' sets '${column}' to ${JSON.stringify(value)}, which its transition guard does not allow (to: ${JSON.stringify(transition.to)}).`,
      "Change the fixed value or add it to the guard's `to` list.",
    );
  }
  const bound = proposal.numeric_bounds?.[column];
  if (!bound) return;
  const outside =
    typeof value !== "number" ||
    (bound.minimum !== undefined && value < bound.minimum) ||
    (bound.maximum !== undefined && value > bound.maximum);
  if (outside) {
    report(
      "FIXED_VALUE_OUT_OF_BOUNDS",
      at("patch", column, "fixed"),
      `Patch of '${proposal.name}' sets '${column}' to ${JSON.stringify(value)}, outside its numeric bounds ${JSON.stringify(bound)}.`,
      "Use a number within the bounds, or correct the bounds.",
    );
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}
