// Located, collected build errors. Every stage returns these instead of throwing,
// so one run can report every problem in a config at once.

import { terminalSafe, terminalSafeLines } from "../runtime/text/terminal-safe.ts";

export interface Diagnostic {
  /** Stable machine code, e.g. UNKNOWN_COLUMN. */
  code: string;
  /** JSON pointer into synapsor.runner.json (RFC 6901), "" for the whole document. */
  pointer: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  fix: string;
}

export type StageResult<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** For a terminal: messages quote schema and config names, so every part is guarded (only the messages' own line breaks stay). */
export function formatDiagnostics(file: string, diagnostics: Diagnostic[]): string {
  const lines = diagnostics.map(
    (d) => `  ${terminalSafe(file)}#${terminalSafe(d.pointer || "/")}  ${d.code}\n    ${terminalSafeLines(d.message)}\n    fix: ${terminalSafeLines(d.fix)}`,
  );
  const noun = diagnostics.length === 1 ? "problem" : "problems";
  return `${diagnostics.length} ${noun} in ${terminalSafe(file)}:\n${lines.join("\n")}`;
}
