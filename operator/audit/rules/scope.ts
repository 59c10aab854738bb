// Who a call acts for and how much it returns: a tenant or principal the model names itself, and
// list or search tools with no stated bound on their results.

import type { AuditRule } from "../finding.ts";
import { compact, inputProperties, isObject, quoted, words, type JsonObject } from "../tool-shape.ts";

/** Arguments that name whose data a call touches or who makes it (compacted: `Tenant-ID` → tenantid). */
const SCOPE_ARG = /^(tenant|org|organization|organisation|workspace|account|user|principal|actor|customeraccount)(id|ids|name|key|slug|uuid)?$|^(runas|asuser|onbehalfof|impersonate|impersonateuser|actas)$/;

export const modelControlledScope: AuditRule = {
  id: "model-controlled-tenant",
  severity: "high",
  summary: "An input property names the tenant, organisation, account, user or principal (tenant_id, org_id, user_id, principal ...): the model, or a prompt injected into it, chooses whose data a call touches.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const scoped = inputProperties(tool).map(([name]) => name).filter((name) => SCOPE_ARG.test(compact(name)));
      if (scoped.length === 0) return [];
      const names = scoped.slice(0, 3).map(quoted).join(", ") + (scoped.length > 3 ? ` and ${scoped.length - 3} more` : "");
      return [{ tool: tool.name, why: `The model chooses the tenant or principal (${names}): a prompt injection can reach another tenant's data; take it from the server's trusted context instead.` }];
    }),
};

/** Name words of a tool that returns a collection. */
const LISTING = new Set(["list", "search", "find", "scan", "export", "dump", "browse", "all", "enumerate", "query"]);
/** Argument names that cap a result (compacted). */
const LIMIT_ARG = /^(limit|max|maxresults|maxrows|maxitems|pagesize|perpage|top|first|size|count|n|k|num|numresults)$/;

function declaresMaxItems(node: unknown, depth = 0): boolean {
  if (depth > 32 || typeof node !== "object" || node === null) return false;
  if (Array.isArray(node)) return node.some((n) => declaresMaxItems(n, depth + 1));
  if (typeof (node as JsonObject).maxItems === "number") return true;
  return Object.values(node).some((v) => declaresMaxItems(v, depth + 1));
}

export const unboundedResults: AuditRule = {
  id: "unbounded-results",
  severity: "medium",
  summary: "A list or search tool has no bound a client can see: no limit argument with a maximum, and no maxItems in its outputSchema; one call can return a whole table into the model's context.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      if (!words(tool.name).some((w) => LISTING.has(w))) return [];
      const limit = inputProperties(tool).find(([name]) => LIMIT_ARG.test(compact(name)));
      if (limit && typeof limit[1].maximum === "number") return [];
      if (isObject(tool.outputSchema) && declaresMaxItems(tool.outputSchema)) return [];
      const why = limit
        ? `Its limit argument ${quoted(limit[0])} has no maximum, so the model can ask for every row at once.`
        : "Lists or searches with no limit argument and no maxItems in its outputSchema: nothing visible bounds how many rows one call returns.";
      return [{ tool: tool.name, why }];
    }),
};
