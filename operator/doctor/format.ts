// The doctor's report for people: terminal lines (one per check, the fix on the next line), the
// friendlier `--first-run` text, and the Markdown report. Every value is escaped for where it goes.

import { shellWord } from "../smoke/summary.ts";
import { markdownText } from "../../runtime/text/markdown-safe.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { CATEGORY_MEANING, type DoctorCheck, type DoctorReport } from "./check.ts";

const MARK = { ok: "✓", warn: "!", fail: "✗" } as const;

export function formatChecks(report: DoctorReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    // The category says what kind of problem a line is; on a passing line it would only be noise.
    const category = c.status === "ok" ? "" : ` [${c.category}]`;
    lines.push(terminalSafe(`${MARK[c.status]} ${c.status.padEnd(4)} ${c.name}${category}: ${c.message}`));
    if (c.fix !== null) lines.push(terminalSafe(`    fix: ${c.fix}`));
  }
  lines.push(summary(report));
  return lines.join("\n") + "\n";
}

function summary(report: DoctorReport): string {
  const count = (s: DoctorCheck["status"]) => report.checks.filter((c) => c.status === s).length;
  const tally = `${count("ok")} ok, ${count("warn")} warnings, ${count("fail")} failed`;
  return report.ok ? `Ready (${tally}).` : `Not ready (${tally}): fix the lines marked ✗ and run doctor again.`;
}

/** For someone on their first run: what each problem means, what to do, and the one command to run next. */
export function formatFirstRun(report: DoctorReport, next: { configPath: string; store?: string }): string {
  const lines: string[] = [];
  const problems = report.checks.filter((c) => c.status !== "ok");
  // One missing GRANT can fail several checks with the same fix: a newcomer reads it once.
  const byFix = new Map<string, DoctorCheck[]>();
  for (const c of problems) byFix.set(`${c.category}\u0000${c.fix}`, [...(byFix.get(`${c.category}\u0000${c.fix}`) ?? []), c]);
  // Pasted into a shell as printed: a path with spaces or quotes is quoted.
  const config = terminalSafe(shellWord(next.configPath));
  if (problems.length === 0) {
    lines.push(`Everything checked out (${report.checks.length} checks).`, "");
  } else {
    lines.push(`${problems.length} ${problems.length === 1 ? "thing needs" : "things need"} attention (${report.checks.length - problems.length} of ${report.checks.length} checks passed):`, "");
    [...byFix.values()].forEach((group, i) => {
      const c = group.find((g) => g.status === "fail") ?? group[0]!;
      const more = group.length > 1 ? ` (and ${group.length - 1} more ${group.length === 2 ? "check" : "checks"} with the same fix)` : "";
      lines.push(terminalSafe(`${i + 1}. ${c.status === "fail" ? "Problem" : "Worth a look"}: ${c.message}${more}`));
      lines.push(terminalSafe(`   What it means: ${CATEGORY_MEANING[c.category]} (${c.category}).`));
      lines.push(terminalSafe(`   What to do: ${c.fix ?? ""}`), "");
    });
  }
  const store = next.store ? ` --store ${terminalSafe(shellWord(next.store))}` : "";
  if (report.ok) {
    lines.push("Next:", `  synapsor-runner smoke call --config ${config}${store}`, `  synapsor-runner mcp serve --config ${config}${store}`);
  } else {
    lines.push("Next: fix the problems above, then run", `  synapsor-runner doctor --config ${config} --first-run`);
  }
  return lines.join("\n") + "\n";
}

/** The Markdown report: always redacted (the checks carry no URL or secret), every value escaped. */
export function markdownReport(report: DoctorReport, configName: string): string {
  const lines = [
    "# synapsor-runner doctor report",
    "",
    `Config: ${markdownText(configName)}`,
    "",
    `Result: ${report.ok ? "ready" : "not ready"}. Database URLs, passwords, tokens and the values of environment variables are never part of this report.`,
    "",
    "| status | check | category | message | fix |",
    "| --- | --- | --- | --- | --- |",
    ...report.checks.map((c) => `| ${c.status} | ${markdownText(c.name)} | ${c.category} | ${markdownText(c.message)} | ${markdownText(c.fix ?? "")} |`),
    "",
  ];
  const categories = [...new Set(report.checks.filter((c) => c.status !== "ok").map((c) => c.category))];
  if (categories.length > 0) {
    lines.push("## What the problems mean", "");
    for (const category of categories) lines.push(`- ${category}: ${markdownText(CATEGORY_MEANING[category])}.`);
    lines.push("");
  }
  return lines.join("\n");
}
