// Writes a ledger document to the file --output names: JSON (the --json shape, screen-safe) or
// Markdown; atomically, owner-only, and never over an existing file unless --force says so.

import { writeFileAtomically } from "../review/write-file.ts";
import { terminalSafe, terminalSafeJson } from "../../runtime/text/terminal-safe.ts";
import { printJson } from "../../cli/program.ts";

export interface ExportFlags {
  format: "json" | "markdown";
  output: string;
  force?: boolean;
  json?: boolean;
}

export function exportDocument<T extends { id: string }>(flags: ExportFlags, doc: T, markdown: (doc: T) => string, what: string): void {
  const text = flags.format === "json" ? terminalSafeJson(JSON.stringify(doc, null, 2)) + "\n" : markdown(doc);
  writeFileAtomically(flags.output, text, { replace: flags.force === true });
  if (flags.json) printJson({ ok: true, id: doc.id, format: flags.format, output: flags.output });
  else process.stdout.write(terminalSafe(`Wrote ${what} to ${flags.output} (${flags.format}).`) + "\n");
}
