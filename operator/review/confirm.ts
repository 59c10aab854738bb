// Asks a yes/no question on the terminal. A decision is never taken by default: without a
// terminal to ask on, the caller must have passed --yes.

import { createInterface } from "node:readline/promises";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";

export type ConfirmAnswer = "yes" | "no" | "no_terminal";

export async function confirm(question: string, assumeYes: boolean): Promise<ConfirmAnswer> {
  if (assumeYes) return "yes";
  if (!process.stdin.isTTY) return "no_terminal";
  // The prompt goes to stderr so stdout stays clean for --json.
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // The question is guarded too: it names values (ids, the actor) that the person did not all type.
    const answer = await rl.question(`${terminalSafe(question)} [y/N] `);
    return /^\s*y(es)?\s*$/i.test(answer) ? "yes" : "no";
  } finally {
    rl.close();
  }
}
