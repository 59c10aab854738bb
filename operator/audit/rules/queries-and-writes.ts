// Tools that run what the model writes or change data on its word: raw SQL, approvals,
// destructive and ordinary writes. One finding per tool, for the gravest thing it does.

import type { AuditRule } from "../finding.ts";
import { rawSqlReason, writeKind } from "../classify.ts";
import { quoted } from "../tool-shape.ts";

export const rawSql: AuditRule = {
  id: "raw-sql",
  severity: "critical",
  summary: "The tool runs SQL the model writes (execute_sql, run_query, an argument named sql or a database query): every table, row and tenant the login can reach is one prompt away.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const reason = rawSqlReason(tool);
      return reason === undefined
        ? []
        : [{ tool: tool.name, why: `Raw SQL: ${reason}, so the model can read or change anything the server's database login can, in any tenant.` }];
    }),
};

export const approvalTool: AuditRule = {
  id: "approval-tool",
  severity: "high",
  summary: "The tool approves, commits, applies or publishes a change: the model holds the authority a person should, and nobody reviews before it happens.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const kind = writeKind(tool);
      return kind?.kind === "approve"
        ? [{ tool: tool.name, why: `Approval authority: the name's ${quoted(kind.verb)} says the model can decide or release a change itself; approval belongs to a person outside the model's reach.` }]
        : [];
    }),
};

export const destructiveTool: AuditRule = {
  id: "destructive-tool",
  severity: "high",
  summary: "The tool deletes, drops, truncates or revokes: one wrong call loses data, with no review in between.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const kind = writeKind(tool);
      return kind?.kind === "destroy"
        ? [{ tool: tool.name, why: `Destructive: the name's ${quoted(kind.verb)} says one call removes data; prefer a proposal a person approves.` }]
        : [];
    }),
};

export const writeTool: AuditRule = {
  id: "write-tool",
  severity: "medium",
  summary: "The tool writes (update, insert, create, send ...) directly on the model's word, rather than proposing a change for review.",
  check: (list) =>
    list.tools.flatMap((tool) => {
      const kind = writeKind(tool);
      return kind?.kind === "write"
        ? [{ tool: tool.name, why: `Direct write: the name's ${quoted(kind.verb)} says the change happens as the model calls it, with no review step.` }]
        : [];
    }),
};
