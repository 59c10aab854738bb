// Located, collected build errors. Every stage returns these instead of throwing,
// so one run can report every problem in a config at once.

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

export function formatDiagnostics(file: string, diagnostics: Diagnostic[]): string {
  const lines = diagnostics.map(
    (d) => `  ${file}#${d.pointer || "/"}  ${d.code}\n    ${d.message}\n    fix: ${d.fix}`,
  );
  const noun = diagnostics.length === 1 ? "problem" : "problems";
  return `${diagnostics.length} ${noun} in ${file}:\n${lines.join("\n")}`;
}
