// The soak report as a table for people (one row per phase, then every failed check) and as JSON.

import type { SoakReport } from "./harness.ts";
import type { PhaseReport } from "./phases.ts";

const num = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? "" : n.toFixed(digits));

function errors(phase: PhaseReport): string {
  const entries = Object.entries(phase.summary?.errorsByCode ?? {});
  return entries.length ? entries.map(([code, n]) => `${code} ${n}`).join(", ") : phase.summary ? "none" : "";
}

export function formatReport(report: SoakReport): string {
  const header = ["phase", "calls", "calls/s", "p50 ms", "p99 ms", "errors by code", "CPU/call µs", "evidence rows (successes)", "checks"];
  const rows = report.phases.map((p) => [
    p.name,
    num(p.summary?.calls),
    num(p.summary?.callsPerSecond),
    num(p.summary?.p50Ms, 2),
    num(p.summary?.p99Ms, 2),
    errors(p),
    num(p.cpuUsPerCall),
    p.evidence ? `${p.evidence.rowsAdded} (${p.evidence.successfulCalls})` : p.race ? `${p.race.runs.length} races` : "",
    `${p.checks.filter((c) => c.ok).length}/${p.checks.length}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  const failed = [...report.phases.flatMap((p) => p.checks.map((c) => ({ ...c, phase: p.name }))), ...report.final.map((c) => ({ ...c, phase: "end" }))].filter((c) => !c.ok);
  const m = report.machine;
  return [
    `machine: ${m.cpus} × ${m.model}; node ${m.node}; load average ${m.loadAverageBefore.map((l) => l.toFixed(2)).join(" ")} before, ${m.loadAverageAfter.map((l) => l.toFixed(2)).join(" ")} after`,
    `${report.options.replicas} replicas, ${report.options.clients} clients, ledger: ${report.options.ledger}`,
    "",
    line(header),
    rule,
    ...rows.map(line),
    "",
    failed.length === 0 ? "all checks passed" : `FAILED checks:\n${failed.map((c) => `  - [${c.phase}] ${c.name}: ${c.detail ?? ""}`).join("\n")}`,
  ].join("\n");
}
