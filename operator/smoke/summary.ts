// What `smoke call` prints for a person: the tool, whether it worked (or the error code and
// message), what it produced, and the exact commands that show it from the ledger.

import { shellWord } from "../review/shell-word.ts";
import { storeFlag } from "../review/store.ts";
import type { SmokeCallDone } from "./run-smoke-call.ts";

// Doctor's next steps import it from here.
export { shellWord };

/** The lines to print (not yet terminal-escaped: the caller escapes everything it writes). */
export function smokeSummary(done: SmokeCallDone, configPath: string): string[] {
  const e = done.envelope;
  const store = storeFlag(done.store);
  const lines = [`smoke call ${done.toolName}${done.toolName !== done.capability ? ` (${done.capability})` : ""} [${done.kind}]: ${e.ok === true ? "ok" : "not ok"}`];
  if (typeof e.summary === "string") lines.push(`  ${e.summary}`);
  const error = e.error as { code?: unknown; message?: unknown; retryable?: unknown } | null | undefined;
  if (e.ok !== true && error) lines.push(`  error: ${String(error.code)}: ${String(error.message)}${error.retryable === true ? " (retryable)" : ""}`);
  const rows = rowCount(e.data);
  if (rows !== undefined) lines.push(`  rows: ${rows}`);
  const evidence = e.evidence as { bundle_id?: unknown } | null | undefined;
  if (typeof evidence?.bundle_id === "string") lines.push(`  evidence: ${evidence.bundle_id}`);
  const proposal = e.proposal as { id?: unknown; state?: unknown } | null | undefined;
  if (typeof proposal?.id === "string") lines.push(`  proposal: ${proposal.id} (${String(proposal.state)})`);
  if (done.argsFrom === "smoke-input") lines.push("  arguments: from .synapsor/smoke-input.json");
  lines.push(`  ledger: ${done.storePath}`);

  lines.push("", "Look at what it created:");
  const cli = "synapsor-runner";
  if (typeof proposal?.id === "string") {
    const id = shellWord(proposal.id);
    lines.push(
      `  ${cli} proposals show ${id} ${store}`,
      `  ${cli} replay show ${id} ${store}`,
      `  ${cli} proposals approve ${id} ${store} --actor YOUR_NAME`,
    );
  } else if (e.ok === true) {
    lines.push(
      `  the read is in the ledger's query audit${typeof evidence?.bundle_id === "string" ? " with its evidence bundle" : ""}; a proposal that cites it shows it in:`,
      `  ${cli} replay show PROPOSAL_ID ${store}`,
    );
  }
  if (e.ok !== true) lines.push(`  ${cli} errors list ${store}${error?.code ? ` --code ${shellWord(String(error.code))}` : ""}`);
  lines.push(`  ${cli} events tail ${store}`);
  lines.push("", `Serve it to a client: ${cli} mcp serve --config ${shellWord(configPath)}${done.store.kind === "sqlite" ? ` ${store}` : ""}`);
  return lines;
}

function rowCount(data: unknown): number | undefined {
  if (Array.isArray(data)) return data.length;
  if (data && typeof data === "object") {
    const rows = (data as { rows?: unknown }).rows;
    if (Array.isArray(rows)) return rows.length;
    return 1;
  }
  return undefined;
}
