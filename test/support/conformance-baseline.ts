// The expected-failures baseline of an MCP conformance run (test/conformance/baseline-<era>.json):
// what a run is compared with, and how a run rewrites it. No processes, no I/O beyond the file.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface EraOfBaseline {
  /** Names the baseline file: test/conformance/baseline-<id>.json. */
  id: "2025" | "2026";
  /** The pinned suite package, as npm names it (recorded in the baseline). */
  suite: string;
}

export interface ScenarioOutcome {
  scenario: string;
  passed: boolean;
}

export const BASELINE_DIR = fileURLToPath(new URL("../conformance/", import.meta.url));
export const baselinePath = (era: EraOfBaseline) => join(BASELINE_DIR, `baseline-${era.id}.json`);
export const TODO_WHY = "TODO: say why";

export interface BaselineEntry {
  scenario: string;
  why: string;
}

export interface Baseline {
  suite: string;
  expectedFailures: BaselineEntry[];
}

export async function readBaseline(era: EraOfBaseline): Promise<Baseline> {
  return JSON.parse(await readFile(baselinePath(era), "utf8")) as Baseline;
}

export interface BaselineComparison {
  /** Failed, not in the baseline. */
  newFailures: string[];
  /** In the baseline, but passed (or no longer a scenario of the suite). */
  stale: string[];
  /** In the baseline with no reason given yet. */
  unexplained: string[];
  /** The baseline was written for another version of the suite. */
  suiteMismatch?: string;
}

export function compareWithBaseline(era: EraOfBaseline, results: ScenarioOutcome[], baseline: Baseline): BaselineComparison {
  const expected = new Set(baseline.expectedFailures.map((e) => e.scenario));
  const failed = new Set(results.filter((r) => !r.passed).map((r) => r.scenario));
  return {
    newFailures: [...failed].filter((s) => !expected.has(s)),
    stale: [...expected].filter((s) => !failed.has(s)),
    unexplained: baseline.expectedFailures.filter((e) => e.why.trim() === "" || e.why.startsWith("TODO")).map((e) => e.scenario),
    ...(baseline.suite === era.suite ? {} : { suiteMismatch: `baseline is for ${baseline.suite}, the run used ${era.suite}` }),
  };
}

/**
 * The baseline a run implies: every failed scenario, keeping the `why` already written for it
 * (in this era's baseline, else the other era's, which is offered but still marked TODO).
 */
export function baselineFrom(era: EraOfBaseline, results: ScenarioOutcome[], previous: Baseline | undefined, otherEras: Baseline[]): Baseline {
  const known = new Map(previous?.expectedFailures.map((e) => [e.scenario, e.why]));
  const elsewhere = new Map(otherEras.flatMap((b) => b.expectedFailures.map((e) => [e.scenario, e.why] as const)));
  return {
    suite: era.suite,
    expectedFailures: results
      .filter((r) => !r.passed)
      .map((r) => {
        const kept = known.get(r.scenario);
        const hint = elsewhere.get(r.scenario);
        const why = kept ?? (hint !== undefined && !hint.startsWith("TODO") ? `${TODO_WHY} (the other era's baseline says: ${hint})` : TODO_WHY);
        return { scenario: r.scenario, why };
      }),
  };
}

export async function writeBaseline(era: EraOfBaseline, baseline: Baseline): Promise<void> {
  await writeFile(baselinePath(era), JSON.stringify(baseline, null, 2) + "\n");
}
