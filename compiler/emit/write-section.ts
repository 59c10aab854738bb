// Renders the write of a proposal capability for its generated module: a summary a reviewer
// reads first (which columns can change, under which guards), each planned statement as a
// fixed string, and a bind function per statement naming the value of every placeholder.

import type { CapabilityPlan, SqlUpdatePlan, WriteParamSource, WriteStatementPlan } from "../plan/capability-plan.ts";
import type { WriteStatementName } from "../../runtime/executors/write-plan.ts";
import { codeLiteral, propertyAccess, propertyKey, stringLiteral, type Code } from "./code-literal.ts";
import { commentJson, commentText, type CommentText } from "./comment-text.ts";

/** Statement keys in the order a reviewer follows one apply. */
const ORDER: WriteStatementName[] = ["claimReceipt", "update", "readNewVersion", "completeReceipt", "explainConflict", "readReceipt"];

function paramLabel(p: WriteParamSource): string {
  switch (p.from) {
    case "patch":
      return `patch:${commentText(p.column)} (arg ${commentText(p.arg)}${p.optional ? ", optional" : ""})`;
    case "patch_given":
      return `whether the patch sets ${commentText(p.column)}`;
    case "fixed":
      return `fixed ${commentJson(p.value)}`;
    case "object_id":
      return "the proposal's row id";
    case "tenant":
      return "the proposal's tenant";
    case "version":
      return `version:${p.part}`;
    case "receipt":
      return `receipt:${p.field}`;
  }
}

const RECEIPT_FIELD = {
  idempotency_key: "w.receipt.idempotencyKey",
  proposal_id: "w.receipt.proposalId",
  previous_version: "w.receipt.previousVersion",
  new_version: "w.receipt.newVersion",
  receipt: "w.receipt.json",
} as const;

function paramExpression(p: WriteParamSource): string {
  switch (p.from) {
    case "patch":
      // Own properties only: `w.patch.__proto__ ?? null` would bind Object.prototype when absent.
      return p.optional
        ? `Object.hasOwn(w.patch, ${codeLiteral(p.column)}) ? ${propertyAccess("w.patch", p.column)} : null`
        : propertyAccess("w.patch", p.column);
    case "patch_given":
      return `Object.hasOwn(w.patch, ${codeLiteral(p.column)})`;
    case "fixed":
      return codeLiteral(p.value);
    case "object_id":
      return "w.objectId";
    case "tenant":
      return "w.tenantId";
    case "version":
      return `w.version.${p.part}`;
    case "receipt":
      return RECEIPT_FIELD[p.field];
  }
}

/** Encoded for the template: the summary lines are built from commentText/commentJson pieces, the rest from code-literal.ts. */
export type WriteSectionView = {
  summary: CommentText[];
  sqlEntries: Array<{ key: Code; literal: Code }>;
  definition: Code;
};

/** The summary comment lines, the WRITE_SQL constants and the `defineSqlUpdate({...})` call. */
export function writeSection(cap: CapabilityPlan, write: SqlUpdatePlan, sqlLiteral: (text: string) => Code): WriteSectionView {
  const names = (list: readonly string[]) => list.map(commentText).join(", ");
  const version = write.versionGuard;
  const conditions = [
    `${commentText(write.primaryKey)} = the proposal's row`,
    `${commentText(write.tenantKey)} = the proposal's tenant`,
    ...(version
      ? [`${commentText(version.column)} is still the version the proposal saw (${version.kind === "timestamp" ? "timestamp, to its precision" : "counter, exactly"})`]
      : []),
    ...write.transitions.map((t) => `${commentText(t.column)} in ${commentJson(t.from)}`),
    ...(write.preconditions ?? []).map((p) => `${commentText(p.column)} in ${commentJson(p.oneOf)} (precondition, read only)`),
  ];
  const bump = version ? `; ${commentText(version.column)} ${version.kind === "timestamp" ? "becomes the database's now" : "goes up by 1"}` : "";
  const optional = new Set(write.optionalPatchColumns ?? []);
  const changed = write.patchColumns.map((c) => (optional.has(c) ? `${commentText(c)} (only when its argument is given)` : commentText(c))).join(", ");
  const summary = [
    `changes:    ${changed}${bump}`,
    ...conditions.map((condition, i) => `${i === 0 ? "only when:  " : "            "}${condition}`),
    `receipt:    ${[write.receiptsTable.schema, write.receiptsTable.name].filter((n): n is string => n !== undefined).map(commentText).join(".")}, claimed first (exactly once)`,
  ];

  const present = ORDER.filter((key) => write.statements[key] !== null);
  const sqlEntries = present.map((key) => ({ key: propertyKey(key), literal: sqlLiteral(write.statements[key]!.text) }));
  const statement = (key: WriteStatementName, s: WriteStatementPlan) =>
    [
      `  ${key}: {`,
      `    name: ${stringLiteral(s.name)},`,
      `    text: WRITE_SQL.${key},`,
      `    // ${s.params.map((p, i) => `#${i + 1} ${paramLabel(p)}`).join(", ")}`,
      `    params: (w) => [${s.params.map(paramExpression).join(", ")}],`,
      `  },`,
    ].join("\n");
  const definition = [
    "defineSqlUpdate({",
    `  capability: ${stringLiteral(cap.name)},`,
    `  engine: ${stringLiteral(write.engine)},`,
    `  table: ${codeLiteral(write.table, "  ")},`,
    `  primaryKey: ${stringLiteral(write.primaryKey)},`,
    `  tenantKey: ${stringLiteral(write.tenantKey)},`,
    `  patchColumns: ${codeLiteral(write.patchColumns, "  ")},`,
    ...(write.optionalPatchColumns ? [`  optionalPatchColumns: ${codeLiteral(write.optionalPatchColumns, "  ")},`] : []),
    `  versionGuard: ${codeLiteral(write.versionGuard, "  ")},`,
    `  transitionFlags: ${codeLiteral(write.transitions.map((t) => t.flag), "  ")},`,
    ...(write.preconditions ? [`  preconditionFlags: ${codeLiteral(write.preconditions.map((p) => p.flag), "  ")},`] : []),
    ...ORDER.map((key) => {
      const s = write.statements[key];
      return s ? statement(key, s) : `  ${key}: null,`;
    }),
    "})",
  ].join("\n");
  // Composed only of encoded pieces and the generator's own words (see paramLabel, paramExpression).
  return { summary: summary as CommentText[], sqlEntries, definition: definition as Code };
}
