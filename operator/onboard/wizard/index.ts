// The seam for `init --wizard`. The interactive flow lives here (branch onboard-wizard); until it
// lands, asking for it says so plainly instead of falling back to something else.

import { CliError } from "../../../cli/program.ts";
import type { InitFlags } from "../flags.ts";

export interface WizardRequest {
  flags: InitFlags & { fromEnv?: string; inspectionJson?: string };
  /** The config file to write (--out, default synapsor.runner.json). */
  out: string;
  force: boolean;
  json: boolean;
}

export async function runWizard(_request: WizardRequest): Promise<void> {
  throw new CliError("init --wizard is not available yet in this build. Use the explicit flags (see `synapsor-runner init --help`) or --spec FILE.");
}
