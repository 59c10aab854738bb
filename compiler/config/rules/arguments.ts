// Arguments: names, trust-scope arguments, where each argument feeds, and type constraints.

import type { ArgConfig, CapabilityConfig } from "../contract.ts";
import { didYouMean, quoteList } from "../suggest.ts";
import { NAME_SEGMENT } from "./names.ts";
import type { Pointer, Report } from "./report.ts";

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

/** Whether an argument name means a trust scope (doctor checks the compiled tools with the same rule). */
export function namesTrustScope(name: string): boolean {
  return TRUST_SCOPE_NAMES.has(normalise(name));
}

export function checkArguments(capability: CapabilityConfig, at: Pointer, report: Report): void {
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

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}
