// The wizard asks questions, so it needs a person at a terminal; without one it stops before
// doing anything and says which non-interactive path does the same.

import { CliError, EXIT } from "../../../cli/program.ts";

export function requireTerminal(command: "init --wizard" | "start"): void {
  if (process.stdin.isTTY && process.stdout.isTTY) return;
  throw new CliError(
    `${command} asks questions and needs an interactive terminal (stdin and stdout are not one here). ` +
      "Fix: run it in a terminal, or make the same choices without prompts: synapsor-runner init --non-interactive --from-env VAR --table T … (see init --help), or synapsor-runner init --spec onboarding-selection.json.",
  );
}

/** Ctrl-C or Esc at a question: one line, nothing written, a non-zero exit. */
export function wizardCancelled(): CliError {
  return new CliError("cancelled: nothing was written.", EXIT.invalid);
}
