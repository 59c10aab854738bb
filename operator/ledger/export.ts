// Writes a ledger document to the file --output names: JSON (the --json shape, screen-safe) or
// Markdown; atomically, owner-only, and never over an existing file unless --force says so.

import { writeFileAtomically } from "../review/write-file.ts";
import { terminalSafe, terminalSafeJson } from "../../runtime/text/terminal-safe.ts";

export interface ExportFlags {
  format: "json" | "markdown";
  output: string;
  force?: boolean;
}

export function exportDocument<T>(flags: ExportFlags, doc: T, markdown: (doc: T) => string, what: string): void {
  const text = flags.format === "json" ? terminalSafeJson(JSON.stringify(doc, null, 2)) + "\n" : markdown(doc);
  writeFileAtomically(flags.output, text, { replace: flags.force === true });
  process.stdout.write(terminalSafe(`Wrote ${what} to ${flags.output} (${flags.format}).`) + "\n");
}
