// What the build does with a golden case today, how that compares with the committed files,
// and how `npm run golden:update` records it.
//
// A case that builds is compiled in-process (sources and manifest, no bundle). A case that
// fails is run through the real CLI in the case folder, so stderr.txt is exactly what a user
// sees from `synapsor-runner build`, not a re-formatting of the diagnostics. A case recorded as
// failing goes to the CLI directly; only a case not known to fail is tried in-process first.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { compareTree } from "../../compiler/output/compare-tree.ts";
import { writeTreeAtomically } from "../../compiler/output/write-tree.ts";
import type { FileMap } from "../../compiler/emit/emit.ts";
import { compile } from "../../compiler/pipeline.ts";
import { REPO_ROOT, runCli } from "../support/cli.ts";
import {
  DEFAULT_FAILURE_EXIT_CODE,
  EXIT_CODE_FILE,
  EXPECTED_DIR,
  STDERR_FILE,
  expectedExitCode,
  type GoldenCase,
} from "./cases.ts";

export type Outcome = { kind: "build"; files: FileMap } | { kind: "failure"; stderr: string; exitCode: number };

const UPDATE_COMMAND = "npm run golden:update";

export async function produceOutcome(c: GoldenCase): Promise<Outcome> {
  if (c.expects === "failure") {
    const failed = await runFailingBuild(c);
    // It built after all: report it as a build, so the drift report and `golden:update` refuse
    // a failing case that silently became one that builds.
    return failed.exitCode === 0 ? ((await buildInProcess(c)) ?? failed) : failed;
  }
  return (await buildInProcess(c)) ?? runFailingBuild(c);
}

/** The generated sources and manifest, or undefined when the build fails. */
async function buildInProcess(c: GoldenCase): Promise<Outcome | undefined> {
  const result = await compile({
    configPath: resolve(c.dir, c.config),
    ...(c.schema !== undefined ? { schema: { kind: "snapshot" as const, path: resolve(c.dir, c.schema) } } : {}),
    bundle: false,
  });
  return result.ok ? { kind: "build", files: result.files } : undefined;
}

async function runFailingBuild(c: GoldenCase): Promise<Outcome & { kind: "failure" }> {
  // If the config unexpectedly builds after all, the output lands here rather than in the repo.
  const out = mkdtempSync(join(tmpdir(), "sr-golden-"));
  try {
    const args = ["build", "--config", c.config, ...(c.schema !== undefined ? ["--schema", c.schema] : []), "--out", out];
    // Node's own warnings are the runtime's business, not the build's diagnostics.
    const run = await runCli(args, { cwd: c.dir, env: { ...process.env, NODE_NO_WARNINGS: "1" } });
    return { kind: "failure", stderr: pathIndependent(run.stderr, c.dir, out), exitCode: run.code };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Absolute paths (a resolved build.schema_snapshot, say) would make stderr.txt machine-specific. */
export function pathIndependent(text: string, caseDir: string, outDir: string): string {
  return text
    .replaceAll(outDir, "<out>")
    .replaceAll(caseDir.endsWith(sep) ? caseDir : caseDir + sep, "")
    .replaceAll(REPO_ROOT.endsWith(sep) ? REPO_ROOT : REPO_ROOT + sep, "<repo>/");
}

/** undefined when the committed files match the outcome; otherwise a report for a person. */
export function driftReport(c: GoldenCase, outcome: Outcome): string | undefined {
  const rerun = `If the change is intended, run \`${UPDATE_COMMAND} -- ${c.name}\` and review the diff.`;
  if (c.expects === "unrecorded") {
    return `golden case ${c.name} has neither ${EXPECTED_DIR}/ nor ${STDERR_FILE}; run \`${UPDATE_COMMAND} -- ${c.name}\` to record what the build does.`;
  }
  if (c.expects === "build") {
    if (outcome.kind === "failure") {
      return `golden case ${c.name} should build, but the build failed (exit ${outcome.exitCode}):\n${outcome.stderr}`;
    }
    const differences = compareTree(join(c.dir, EXPECTED_DIR), outcome.files);
    if (differences.length === 0) return undefined;
    const lines = differences.map((d) => {
      if (d.change === "missing") return `  ${d.path}: generated now, not in ${EXPECTED_DIR}/`;
      if (d.change === "unexpected") return `  ${d.path}: in ${EXPECTED_DIR}/, no longer generated`;
      const first = d.firstDifference;
      // compareTree's "expected" is the fresh build and "actual" what is on disk.
      return first
        ? `  ${d.path}: first difference at line ${first.line}\n    committed: ${first.actual}\n    generated: ${first.expected}`
        : `  ${d.path}: differs`;
    });
    return `golden case ${c.name}: the generated output differs from ${EXPECTED_DIR}/ (${differences.length} file(s)):\n${lines.join("\n")}\n${rerun}`;
  }
  if (outcome.kind === "build") {
    return `golden case ${c.name} should fail as ${STDERR_FILE} records, but the config built (${outcome.files.size} files).`;
  }
  const problems: string[] = [];
  const committed = readFileSync(join(c.dir, STDERR_FILE), "utf8");
  const line = firstDifferentLine(committed, outcome.stderr);
  if (line) {
    problems.push(`${STDERR_FILE} differs from what \`synapsor-runner build\` prints, first at line ${line.number}:\n    committed: ${line.committed}\n    printed:   ${line.printed}`);
  }
  const exitCode = expectedExitCode(c);
  if (exitCode !== outcome.exitCode) problems.push(`the build exits with ${outcome.exitCode}, not ${exitCode}`);
  return problems.length === 0 ? undefined : `golden case ${c.name}: ${problems.join("; ")}\n${rerun}`;
}

function firstDifferentLine(committed: string, printed: string): { number: number; committed: string; printed: string } | undefined {
  if (committed === printed) return undefined;
  const a = committed.split("\n");
  const b = printed.split("\n");
  for (let i = 0; ; i++) {
    if (a[i] !== b[i]) return { number: i + 1, committed: a[i] ?? "<end of file>", printed: b[i] ?? "<end of file>" };
  }
}

/**
 * What `npm run golden:update` does with one case. A case never silently switches between
 * building and failing: that is almost always a regression, so it is refused with what happened.
 */
export function updateCase(c: GoldenCase, outcome: Outcome): { status: "updated" | "unchanged" | "refused"; message: string } {
  if (c.expects === "build" && outcome.kind === "failure") {
    return {
      status: "refused",
      message: `refused ${c.name}: it should build but now fails; fix the build, or delete ${EXPECTED_DIR}/ if it is meant to fail from now on.\n${outcome.stderr}`,
    };
  }
  if (c.expects === "failure" && outcome.kind === "build") {
    return {
      status: "refused",
      message: `refused ${c.name}: it should fail but now builds; fix the check, or delete ${STDERR_FILE} if it is meant to build from now on.`,
    };
  }
  const status = driftReport(c, outcome) === undefined ? "unchanged" : "updated";
  recordOutcome(c, outcome);
  const what = outcome.kind === "build" ? `${EXPECTED_DIR}/ (${outcome.files.size} files)` : `${STDERR_FILE} (exit ${outcome.exitCode})`;
  return { status, message: `${status.padEnd(9)} ${c.name}: ${what}` };
}

/** Records the outcome as the case's expected files, replacing the previous record. */
function recordOutcome(c: GoldenCase, outcome: Outcome): void {
  const exitCodePath = join(c.dir, EXIT_CODE_FILE);
  if (outcome.kind === "build") {
    writeTreeAtomically(join(c.dir, EXPECTED_DIR), outcome.files);
    return;
  }
  writeFileSync(join(c.dir, STDERR_FILE), outcome.stderr);
  if (outcome.exitCode !== DEFAULT_FAILURE_EXIT_CODE) writeFileSync(exitCodePath, `${outcome.exitCode}\n`);
  else if (existsSync(exitCodePath)) rmSync(exitCodePath);
}
