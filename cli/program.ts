// Shared CLI plumbing: exit codes and the way commands report problems.

import { Command } from "commander";
import { terminalSafeJson } from "../runtime/text/terminal-safe.ts";

/** Exit codes: 0 ok, 1 the input is wrong (config, arguments), 2 the environment failed (database, disk). */
export const EXIT = { ok: 0, invalid: 1, environment: 2 } as const;

/** A failure the user can act on; printed without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.invalid) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function readEnvVar(name: string, purpose: string): string {
  const value = process.env[name];
  if (!value) {
    throw new CliError(`Environment variable ${name} is not set; it should hold ${purpose}. Export it and run again.`);
  }
  return value;
}

/**
 * JSON for machines, which may still land on a terminal: the C1, bidi and invisible characters
 * JSON.stringify leaves raw are written as `\uXXXX` escapes, which every parser reads back as the
 * same string, so the output is the same data and no value can drive the screen.
 */
export function printJson(value: unknown): void {
  process.stdout.write(terminalSafeJson(JSON.stringify(value, null, 2)) + "\n");
}

export function newCommand(name: string, description: string): Command {
  return new Command(name).description(description).showHelpAfterError("(run with --help for usage)");
}
