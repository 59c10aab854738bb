// What a tool does, judged from its name and arguments alone (a static audit never calls it):
// does it run SQL the model writes, and does it change something. Several rules share these.

import type { AuditedTool } from "./finding.ts";
import { compact, inputProperties, isFreeText, quoted, words } from "./tool-shape.ts";

/** Words in a tool name that mean it runs a database statement of the caller's choosing. */
const SQL_NAME = /^(sql|rawsql|execsql|runsql|executesql|cypher|sparql|graphql)$/;
const RUN_VERBS = new Set(["execute", "exec", "run", "raw"]);
const STATEMENT_NOUNS = new Set(["query", "statement", "sql", "queries", "statements"]);
/** Argument names that hold statement text whatever the tool says. */
const SQL_ARG = /sql/;
/** Argument names that hold statement text when the tool speaks of SQL or a database. */
const MAYBE_SQL_ARG = new Set(["query", "statement", "stmt", "querytext", "querystring", "statements", "queries"]);
const MENTIONS_SQL = /\b(sql|select|insert|update|delete|ddl|dml|statement|database|postgres(?:ql)?|mysql|sqlite|bigquery|snowflake)\b/i;

/** Why the tool runs model-written SQL, or undefined when nothing says it does. */
export function rawSqlReason(tool: AuditedTool): string | undefined {
  const nameWords = words(tool.name);
  if (nameWords.some((w) => SQL_NAME.test(w))) return `its name says it runs SQL`;
  if (nameWords.some((w) => RUN_VERBS.has(w)) && nameWords.some((w) => STATEMENT_NOUNS.has(w))) return `its name says it executes a query`;
  const description = typeof tool.description === "string" ? tool.description : "";
  for (const [name, property] of inputProperties(tool)) {
    if (!isFreeText(property)) continue;
    const key = compact(name);
    const propertyText = typeof property.description === "string" ? property.description : "";
    if (SQL_ARG.test(key)) return `its argument ${quoted(name)} takes free SQL text`;
    if (MAYBE_SQL_ARG.has(key) && (MENTIONS_SQL.test(description) || MENTIONS_SQL.test(propertyText))) {
      return `its argument ${quoted(name)} takes a free-text database query`;
    }
  }
  return undefined;
}

export type WriteKind = "approve" | "destroy" | "write";

/** Verbs that decide or release a change: with them the model holds approval authority, not just proposal authority. */
const APPROVE = new Set(["approve", "approves", "commit", "merge", "publish", "deploy", "grant", "apply", "authorize", "authorise", "confirm", "release", "execute"]);
const DESTROY = new Set(["delete", "drop", "truncate", "destroy", "purge", "remove", "wipe", "erase", "reset", "revoke", "kill", "terminate", "cancel", "void"]);
const WRITE = new Set([
  "update", "insert", "upsert", "write", "create", "set", "modify", "patch", "put", "edit", "save", "add", "alter",
  "send", "transfer", "refund", "pay", "charge", "move", "rename", "replace", "assign", "close", "reopen", "import", "migrate",
]);

/** The kind of change the tool's name promises, with the word that says so; the gravest kind wins. */
export function writeKind(tool: AuditedTool): { kind: WriteKind; verb: string } | undefined {
  const nameWords = words(tool.name);
  const first = (set: ReadonlySet<string>) => nameWords.find((w) => set.has(w));
  // `execute_sql` is the raw-SQL rule's; `execute` alone (execute_payment) still decides something.
  const approve = rawSqlReason(tool) === undefined ? first(APPROVE) : undefined;
  if (approve) return { kind: "approve", verb: approve };
  const destroy = first(DESTROY);
  if (destroy) return { kind: "destroy", verb: destroy };
  const write = first(WRITE);
  if (write) return { kind: "write", verb: write };
  return undefined;
}

/** A tool that can change data: by its name, or because it runs any statement. */
export function changesData(tool: AuditedTool): boolean {
  return writeKind(tool) !== undefined || rawSqlReason(tool) !== undefined;
}
