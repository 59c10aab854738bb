// Proof, on every new connection of a reader pool, that the session is the one the runner asked
// for. The settings are sent at connect time, but a pooler that shares server sessions, a proxy or
// a server-side hook could still hand over a session that writes; the MCP server refuses to read
// through one (CONFIGURATION_ERROR) rather than trust that the request was honoured.

import { DatabaseConfigurationError } from "./connection-url.ts";

/** One row: read_only ("on"/"off" or 1/0) and time_zone. */
export const POSTGRES_SESSION_CHECK =
  "SELECT current_setting('transaction_read_only') AS read_only, current_setting('TimeZone') AS time_zone";

/** MariaDB spells the variable tx_read_only (transaction_read_only only from 11.1); MySQL 8 removed tx_read_only. */
export function mysqlSessionCheck(server: "mariadb" | "mysql" | undefined): string {
  const variable = server === "mysql" ? "@@session.transaction_read_only" : "@@session.tx_read_only";
  return `SELECT ${variable} AS read_only, @@session.time_zone AS time_zone`;
}

const ON = new Set(["on", "1", "true"]);
const UTC = new Set(["utc", "+00:00", "etc/utc", "z"]);

/** What is wrong with a session, if anything: not read-only (when asked), or not UTC. */
export function sessionProblem(row: Record<string, unknown> | undefined, expected: { readOnly: boolean }): "read_only" | "time_zone" | undefined {
  if (expected.readOnly && !ON.has(String(row?.read_only ?? "").toLowerCase())) return "read_only";
  if (!UTC.has(String(row?.time_zone ?? "").toLowerCase())) return "time_zone";
  return undefined;
}

/** Throws DatabaseConfigurationError unless the session is read-only (when asked) and UTC. */
export function checkSession(row: Record<string, unknown> | undefined, expected: { readOnly: boolean }): void {
  const problem = sessionProblem(row, expected);
  if (problem === "read_only") {
    throw new DatabaseConfigurationError(
      "The database session is not read-only although the runner asked for it, so the MCP server will not read through it. " +
        "Something between the runner and the database overrides session settings (a pooler, a proxy, a server hook); connect directly or fix that layer.",
    );
  }
  if (problem === "time_zone") {
    throw new DatabaseConfigurationError(
      "The database session is not in UTC although the runner asked for it, so timestamps would shift. " +
        "Something between the runner and the database overrides session settings (a pooler, a proxy, a server hook); connect directly or fix that layer.",
    );
  }
}
