// The wizard asks questions, so it needs a person at a terminal; without one it stops before
// doing anything and says which non-interactive path does the same. A person who gives up
// (Ctrl-C or Esc at a question, or Ctrl-C between two of them) gets one line and nothing written.

import { CliError, EXIT } from "../../../cli/program.ts";
import { WizardCancelled } from "./prompt.ts";

export function requireTerminal(command: "init --wizard" | "start"): void {
  if (process.stdin.isTTY && process.stdout.isTTY) return;
  throw new CliError(
    `${command} asks questions and needs an interactive terminal (stdin and stdout are not one here). ` +
      "Fix: run it in a terminal, or make the same choices without prompts: synapsor-runner init --non-interactive --from-env VAR --table T … (see init --help), or synapsor-runner init --spec onboarding-selection.json.",
  );
}

const NOTHING_WRITTEN = "cancelled: nothing was written.";

/**
 * Runs the questions. Between two prompts the terminal is briefly back in normal mode, where
 * Ctrl-C is a signal rather than a keypress: that is a cancel too, reported the same way.
 */
export async function askingNothingWritten<T>(questions: () => Promise<T>): Promise<T> {
  const onInterrupt = () => {
    process.stderr.write(`\nsynapsor-runner: ${NOTHING_WRITTEN}\n`);
    process.exit(EXIT.invalid);
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await questions();
  } catch (err) {
    if (err instanceof WizardCancelled) throw new CliError(NOTHING_WRITTEN, EXIT.invalid);
    throw err;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}
