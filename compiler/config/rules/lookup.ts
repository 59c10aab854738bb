// Lookups: how a capability finds its rows (by id or by filters) and the limits that follow.

import type { CapabilityConfig } from "../contract.ts";
import type { Pointer, Report } from "./report.ts";

export function checkLookup(capability: CapabilityConfig, at: Pointer, report: Report): void {
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
