// Option parsers shared by the review commands.

import { CliError } from "../../cli/program.ts";

export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit must be a positive whole number, not ${JSON.stringify(text)}.`);
  return n;
}
