// Turns a driver failure into a message a person can act on. Only our own wording and a
// driver's short error code reach the message: driver text can echo the host, user or URL.

import { CONNECTION_FIXES } from "../../runtime/db/classify.ts";
import { DatabaseConfigurationError, INVALID_URL } from "../../runtime/db/connection-url.ts";
import { NoDatabaseSelected, SchemaNotFound } from "./raw-schema.ts";

export type InspectStage = "connect" | "read";

export type FailureKind =
  | "connection_refused"
  | "unknown_host"
  | "authentication_failed"
  | "database_not_found"
  | "timeout"
  | "invalid_url"
  | "other";

const SAFE_CODE = /^[A-Z][A-Z0-9_]{1,40}$|^[0-9A-Z]{5}$/;

export function classifyConnectFailure(err: unknown): FailureKind {
  const codes = errorCodes(err);
  const message = err instanceof Error ? err.message : "";
  if (codes.includes("ERR_INVALID_URL")) return "invalid_url";
  if (codes.includes("ECONNREFUSED")) return "connection_refused";
  if (codes.some((c) => c === "ENOTFOUND" || c === "EAI_AGAIN" || c === "EAI_NONAME")) return "unknown_host";
  // 28P01/28000: Postgres password or role rejected; 1045/1698 and friends in MySQL.
  if (codes.some((c) => ["28P01", "28000", "ER_ACCESS_DENIED_ERROR", "ER_ACCESS_DENIED_NO_PASSWORD_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE"].includes(c))) {
    return "authentication_failed";
  }
  // pg raises this (without a code) when the server wants a password and the URL has none.
  if (/client password must be a string|password authentication failed/i.test(message)) return "authentication_failed";
  if (codes.some((c) => c === "3D000" || c === "ER_BAD_DB_ERROR")) return "database_not_found";
  if (codes.includes("ETIMEDOUT") || /timeout expired|connection timeout/i.test(message)) return "timeout";
  return "other";
}

export function describeFailure(stage: InspectStage, err: unknown, urlEnvName: string, connectTimeoutMs: number): string {
  const where = `the database in $${urlEnvName}`;
  if (err instanceof SchemaNotFound) {
    return `schema "${err.schemaName}" does not exist in ${where} (check --schema)`;
  }
  if (err instanceof DatabaseConfigurationError) return `$${urlEnvName}: ${err.message}`;
  if (err instanceof NoDatabaseSelected) {
    return `the URL in $${urlEnvName} names no database; add one at the end of the URL (…/dbname) or pass --schema`;
  }
  const code = safeCode(err);
  if (stage === "read") {
    if (code === "42501" || code === "ER_DBACCESS_DENIED_ERROR" || code === "ER_TABLEACCESS_DENIED_ERROR") {
      return `could not read the schema of ${where}: permission denied (the role needs to read the catalog)`;
    }
    return `could not read the schema of ${where}${code ? ` (error code ${code})` : ""}`;
  }
  const prefix = `could not connect to ${where}`;
  switch (classifyConnectFailure(err)) {
    case "invalid_url":
      return `$${urlEnvName} ${INVALID_URL}`;
    case "connection_refused":
      return `${prefix}: connection refused (is the server running, and are the host and port right?)`;
    case "unknown_host":
      return `${prefix}: unknown host (check the host name in the URL)`;
    case "authentication_failed":
      return `${prefix}: authentication failed (${CONNECTION_FIXES.authentication})`;
    case "database_not_found":
      return `${prefix}: the database does not exist (${CONNECTION_FIXES.missing_database})`;
    case "timeout":
      return `${prefix}: timed out after ${Math.round(connectTimeoutMs / 100) / 10} s (is the host reachable and the port right?)`;
    case "other":
      if (code === "ER_DBACCESS_DENIED_ERROR") return `${prefix}: the user is not allowed to use that database`;
      return `${prefix}${code ? ` (error code ${code})` : ""}`;
  }
}

function safeCode(err: unknown): string | undefined {
  return errorCodes(err).find((c) => SAFE_CODE.test(c));
}

// Node reports a failed connect to a multi-address host as an AggregateError whose own
// code may be missing; the per-address errors carry it.
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number) => {
    if (typeof e !== "object" || e === null || depth > 3) return;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    if (typeof code === "number") codes.push(String(code));
    const nested = (e as { errors?: unknown }).errors;
    if (Array.isArray(nested)) for (const inner of nested) visit(inner, depth + 1);
    visit((e as { cause?: unknown }).cause, depth + 1);
  };
  visit(err, 0);
  return codes;
}
