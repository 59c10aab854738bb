// `init --wizard`: the interactive way to make init's choices. The questions are in flow.ts and
// steps.ts; this file wires them to init's flags, its generator and its writer. Files are
// written only after the final confirmation; Ctrl-C or Esc at any question writes nothing.

import { dirname, relative, resolve } from "node:path";
import { CliError, readEnvVar } from "../../../cli/program.ts";
import { terminalSafe } from "../../../runtime/text/terminal-safe.ts";
import type { InitFlags } from "../flags.ts";
import { DEFAULT_SNAPSHOT_FILE } from "../outputs.ts";
import type { OnboardingSelection } from "../selection.ts";
import { askSelection } from "./flow.ts";
import { previewSelection } from "./preview.ts";
import { inspectLive, snapshotFromFile } from "./schema-source.ts";
import { askingNothingWritten, requireTerminal } from "./terminal.ts";
import { refuseExistingConfig, writeSelection } from "./write.ts";

export interface WizardRequest {
  flags: InitFlags & { fromEnv?: string; inspectionJson?: string; append?: boolean; emitHandler?: boolean; nonInteractive?: boolean };
  /** The config file to write (--out, default synapsor.runner.json). */
  out: string;
  force: boolean;
  json: boolean;
  /** --save-spec: also write the answers as an onboarding selection file. */
  saveSpec?: string;
}

/** Flags the wizard takes as answers (or needs to find the schema); every other choice is asked. */
const WIZARD_FLAGS = new Set(["fromEnv", "inspectionJson", "engine", "schema", "mode", "tenantEnv", "principalEnv", "nonInteractive", "append", "emitHandler"]);

/** A choice given as a flag and then asked again would be silently dropped: refuse it instead. */
function refuseChoiceFlags(flags: WizardRequest["flags"]): void {
  const given = Object.entries(flags).filter(([k, v]) => v !== undefined && !WIZARD_FLAGS.has(k)).map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (given.length > 0) {
    throw new CliError(`${given.join(", ")} ${given.length === 1 ? "makes a choice" : "make choices"} the wizard asks for. Drop ${given.length === 1 ? "it" : "them"} and answer in the wizard, or drop --wizard and give every choice as flags.`);
  }
  if (flags.append) throw new CliError("--append is not supported with --wizard yet: run the wizard with --out for a new config, or use the flags with --append.");
  if (flags.emitHandler) throw new CliError("--emit-handler is not supported with --wizard yet: after the wizard, run synapsor-runner handler stub --config FILE --out DIR.");
}

/** The read variable a config gets when the schema came from a file and no --from-env named one. */
const DEFAULT_READ_URL_ENV = "DATABASE_URL";

export async function runWizard(request: WizardRequest): Promise<void> {
  const { flags } = request;
  if (request.json) throw new CliError("--wizard talks to a person and --json is for scripts: drop --json, or use the flags or --spec with --json.");
  refuseChoiceFlags(flags);
  requireTerminal("init --wizard");
  if (flags.fromEnv !== undefined && flags.inspectionJson !== undefined) {
    throw new CliError("Pass either --from-env VAR (inspect the live database) or --inspection-json FILE (a saved snapshot), not both.");
  }
  const configPath = resolve(request.out);
  refuseExistingConfig(configPath, request.force, flags.fromEnv !== undefined ? DEFAULT_SNAPSHOT_FILE : undefined, request.saveSpec);

  const live = flags.fromEnv !== undefined;
  let snapshot;
  let schemaSnapshot: string;
  if (flags.fromEnv !== undefined) {
    const url = readEnvVar(flags.fromEnv, "the database URL to inspect (postgres://… or mysql://…)");
    process.stdout.write(`Inspecting the database named by ${flags.fromEnv} …\n`);
    snapshot = await inspectLive({ envVar: flags.fromEnv, url, schema: flags.schema, engine: flags.engine });
    schemaSnapshot = DEFAULT_SNAPSHOT_FILE;
  } else if (flags.inspectionJson !== undefined) {
    snapshot = snapshotFromFile(flags.inspectionJson, flags.schema);
    schemaSnapshot = relative(dirname(configPath), resolve(flags.inspectionJson)) || flags.inspectionJson;
  } else {
    throw new CliError("init --wizard needs the schema to choose from: pass --from-env VAR (the env var holding the read-only URL) or --inspection-json FILE (from `synapsor-runner inspect --output`).");
  }

  const given: Partial<OnboardingSelection> = {
    ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
    ...(flags.mode !== undefined ? { mode: flags.mode } : {}),
    ...(flags.tenantEnv !== undefined ? { tenant_env: flags.tenantEnv } : {}),
    ...(flags.principalEnv !== undefined ? { principal_env: flags.principalEnv } : {}),
  };
  const selection = await askingNothingWritten(() =>
    askSelection({
      snapshot,
      readUrlEnv: flags.fromEnv ?? DEFAULT_READ_URL_ENV,
      given,
      preview: (s) => previewSelection(s, snapshot, terminalSafe(request.out)),
    }),
  );
  const { written } = writeSelection({
    configPath,
    selection: { ...selection, schema_snapshot: schemaSnapshot },
    snapshot,
    live,
    force: request.force,
    ...(request.saveSpec !== undefined ? { saveSpec: request.saveSpec } : {}),
  });
  const lines = written.map((w) => `  ${terminalSafe(relative(process.cwd(), w.path) || w.path)}  (${w.kind})`);
  const buildFlags = live ? ` --from-env ${flags.fromEnv}` : "";
  process.stdout.write(
    `Wrote:\n${lines.join("\n")}\n` +
      `Next: synapsor-runner build --config ${terminalSafe(request.out)}${buildFlags}\n` +
      `      synapsor-runner tools preview --config ${terminalSafe(request.out)}\n`,
  );
}
