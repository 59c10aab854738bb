// The one place the wizard's answers become files, for `init --wizard` and `start` alike: the
// selection through init's generator, then init's all-or-nothing writer. Called only after the
// final confirmation, so a cancelled wizard never reaches it.

import { dirname, relative, resolve } from "node:path";
import type { Contract } from "../../../compiler/config/contract.ts";
import type { SchemaSnapshot } from "../../../compiler/inspect/snapshot.ts";
import { terminalSafe } from "../../../runtime/text/terminal-safe.ts";
import { CliError, EXIT } from "../../../cli/program.ts";
import { generateContract } from "../generate.ts";
import { selectionFile } from "../spec.ts";
import { planOnboardingFiles, SNIPPET_CLIENTS, snippetPath } from "../outputs.ts";
import type { OnboardingSelection } from "../selection.ts";
import { existingTargets, writeAllOrNothing, type FileKind, type PlannedFile } from "../write-files.ts";

export interface WrittenOnboarding {
  contract: Contract;
  written: Array<{ path: string; kind: FileKind }>;
}

function refuseExisting(existing: string[]): CliError {
  const list = existing.map((p) => `  ${terminalSafe(relative(process.cwd(), p) || p)}`).join("\n");
  return new CliError(`Refusing to overwrite existing files (nothing was written):\n${list}\nPass --force to replace them, or choose another config path.`);
}

/**
 * Refuses before any question is asked when the config file is already there: answering every
 * step only to be refused at the end would waste the person's time.
 */
/**
 * Before the first question: every file the run will create that already exists (the config, the
 * client snippets, the --save-spec file, and the schema snapshot when one will be written), so nobody answers every
 * question only to be refused at the end. The env examples are extended, never refused.
 */
export function refuseExistingConfig(configPath: string, force: boolean, snapshotFile?: string, specFile?: string): void {
  const targets: PlannedFile[] = [
    { path: configPath, kind: "config", text: "" },
    ...(specFile !== undefined ? [{ path: resolve(specFile), kind: "onboarding_selection", text: "" } as PlannedFile] : []),
    ...SNIPPET_CLIENTS.map((client): PlannedFile => ({ path: snippetPath(configPath, client), kind: "client_snippet", text: "" })),
    ...(snapshotFile !== undefined ? [{ path: resolve(dirname(resolve(configPath)), snapshotFile), kind: "schema_snapshot", text: "" } as PlannedFile] : []),
  ];
  const existing = existingTargets(targets, force);
  if (existing.length > 0) throw refuseExisting(existing);
}

export function writeSelection(input: { configPath: string; selection: OnboardingSelection; snapshot: SchemaSnapshot; live: boolean; force: boolean; saveSpec?: string }): WrittenOnboarding {
  const generated = generateContract(input.selection, input.snapshot);
  // The preview already planned this selection; a refusal here is a bug, still reported plainly.
  if (!generated.ok) throw new CliError(`The choices do not make a valid config (nothing was written):\n${generated.problems.map((p) => `- ${p.field}: ${p.message}`).join("\n")}`);
  const files = planOnboardingFiles({ configPath: input.configPath, contract: generated.contract, ...(input.live ? { snapshot: input.snapshot } : {}) });
  if (input.saveSpec !== undefined) files.push(selectionFile(input.saveSpec, input.selection));
  const outcome = writeAllOrNothing(files, input.force);
  if (!outcome.ok) {
    if ("existing" in outcome) throw refuseExisting(outcome.existing);
    throw new CliError(`Could not write ${terminalSafe(outcome.failed)} (${terminalSafe(outcome.code)}); nothing was written.`, EXIT.environment);
  }
  return { contract: generated.contract, written: outcome.written };
}
