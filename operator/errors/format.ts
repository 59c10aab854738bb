// How `errors list|show` presents the ledger's internal errors: the raw detail a failing call
// kept for the operator (credentials already redacted when it was recorded). The detail is
// driver or handler text, so every line is escaped before it reaches a terminal.

import type { InternalErrorRecord } from "../../runtime/ledger/records.ts";
import { isValidText } from "../../runtime/calls/text-formats.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";

const LIST_DETAIL_CHARS = 100;

/** `--since`: an ISO 8601 date or time, or an age like 30m, 12h, 7d. Returns the ISO time, or undefined when unreadable. */
export function sinceTime(text: string, now: Date = new Date()): string | undefined {
  const age = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (age) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as "m" | "h" | "d"];
    return new Date(now.getTime() - Number(age[1]) * unitMs).toISOString();
  }
  // Date.parse rolls a day the month lacks into the next month (2026-02-30 becomes 2 March): refuse it instead.
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !isValidText("date", text.slice(0, 10))) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function formatInternalErrorList(errors: readonly InternalErrorRecord[]): string {
  if (errors.length === 0) return "No internal errors recorded.\n";
  return errors
    .map((e) => {
      const firstLine = e.detail.split("\n", 1)[0] ?? "";
      const short = firstLine.length > LIST_DETAIL_CHARS ? `${firstLine.slice(0, LIST_DETAIL_CHARS)}…` : firstLine;
      return terminalSafe(`${e.id}  ${e.createdAt}  ${e.code}  ${e.capability ?? "-"}  ${short}`);
    })
    .join("\n") + "\n";
}

export function formatInternalError(e: InternalErrorRecord): string {
  const fields: [string, string | null][] = [
    ["id", String(e.id)],
    ["time", e.createdAt],
    ["code", e.code],
    ["tool", e.capability],
    ["source", e.source],
    ["table", e.table],
    ["tenant", e.tenantId],
    ["principal", e.principal],
    ["query audit", e.queryAuditId],
  ];
  const lines = fields.filter(([, v]) => v !== null).map(([k, v]) => `${k.padEnd(12)} ${terminalSafe(v!)}`);
  lines.push("detail:", ...e.detail.split("\n").map((line) => `  ${terminalSafe(line)}`));
  return lines.join("\n") + "\n";
}
