// Parses the request body and checks it against the capability the app bound: protocol
// version, field types, and that the target, tenant and key the runner sent are the ones
// this handler was configured for. Only then does anything touch the database.

import { WRITEBACK_PROTOCOL_VERSION, type WritebackRequest } from "../runtime/executors/protocol.ts";
import type { Scalar } from "../runtime/values.ts";
import type { TargetTable } from "./types.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const MAX_KEY = 255;

export function parseRequest(body: string): Parsed<WritebackRequest> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return bad("The body is not JSON.");
  }
  if (!isObject(raw)) return bad("The body is not a JSON object.");
  if (raw.protocol_version !== WRITEBACK_PROTOCOL_VERSION) return bad(`protocol_version must be "${WRITEBACK_PROTOCOL_VERSION}".`);
  for (const field of ["proposal_id", "idempotency_key", "issued_at"] as const) {
    if (!shortText(raw[field])) return bad(`${field} must be a non-empty string of at most ${MAX_KEY} characters.`);
  }
  const cs = raw.change_set;
  if (!isObject(cs)) return bad("change_set is missing.");
  if (!shortText(cs.action)) return bad("change_set.action is missing.");
  const scope = cs.scope;
  if (!isObject(scope) || !shortText(scope.tenant_id) || !shortText(scope.object_id)) return bad("change_set.scope needs tenant_id and object_id.");
  if (!isObject(cs.principal) || typeof cs.principal.id !== "string") return bad("change_set.principal.id is missing.");
  const target = cs.target;
  if (!isObject(target) || !shortText(target.table) || !(target.schema === null || target.schema === undefined || typeof target.schema === "string")) {
    return bad("change_set.target is malformed.");
  }
  if (!isObject(target.primary_key) || !shortText(target.primary_key.column) || !shortText(target.primary_key.value)) {
    return bad("change_set.target.primary_key is malformed.");
  }
  if (!isObject(cs.before) || !isObject(cs.after)) return bad("change_set.before and change_set.after must be objects.");
  if (!isObject(cs.patch) || !Object.values(cs.patch).every(isScalar)) return bad("change_set.patch must map columns to scalar values.");
  const guards = cs.guards;
  if (!isObject(guards) || !isObject(guards.tenant) || !shortText(guards.tenant.column) || !shortText(guards.tenant.value)) {
    return bad("change_set.guards.tenant is malformed.");
  }
  const ev = guards.expected_version;
  if (!(ev === null || ev === undefined || (isObject(ev) && shortText(ev.column) && isScalar(ev.value)))) return bad("change_set.guards.expected_version is malformed.");
  const transitions = guards.transitions ?? [];
  if (
    !Array.isArray(transitions) ||
    !transitions.every((t) => isObject(t) && shortText(t.column) && Array.isArray(t.from) && t.from.every(isScalar))
  ) {
    return bad("change_set.guards.transitions is malformed.");
  }
  if (!isObject(cs.evidence) || typeof cs.evidence.bundle_id !== "string") return bad("change_set.evidence.bundle_id is missing.");
  const approval = raw.approval;
  if (!isObject(approval) || typeof approval.actor !== "string" || typeof approval.approved_at !== "string") return bad("approval is malformed.");
  return { ok: true, value: raw as unknown as WritebackRequest };
}

/** The request must be about exactly the table, key and tenant guard the app configured. */
export function checkAgainstBinding(request: WritebackRequest, table: TargetTable): Parsed<{ versionColumn: string | undefined }> {
  const cs = request.change_set;
  if (cs.target.table !== table.name || (table.schema && cs.target.schema && cs.target.schema !== table.schema)) {
    return bad("The request targets a different table than this handler's capability.");
  }
  if (cs.target.primary_key.column !== table.primaryKey || cs.target.primary_key.value !== cs.scope.object_id) {
    return bad("The request's primary key does not match the capability.");
  }
  if (cs.guards.tenant.column !== table.tenantKey || cs.guards.tenant.value !== cs.scope.tenant_id) {
    return bad("The request's tenant guard does not match the capability.");
  }
  const ev = cs.guards.expected_version ?? null;
  if (table.versionColumn) {
    if (!ev || ev.column !== table.versionColumn) return bad(`The request must carry an expected version for ${table.versionColumn}.`);
  }
  return { ok: true, value: { versionColumn: ev?.column } };
}

function bad(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

function shortText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_KEY;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
