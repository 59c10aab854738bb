// The command line of a bench entry script, parsed by node:util's parseArgs in strict mode. Called
// before the script builds, connects or measures anything: -h/--help prints its usage and exits 0;
// a usage error (an unknown option, a missing or bad value) is one line on stderr, then the usage's
// first line, exit code 2, and no stack trace. A library: nothing here runs at import time.

import { parseArgs, type ParseArgsConfig } from "node:util";

export interface BenchCli {
  /** The script's name in messages, e.g. "cold-start". */
  name: string;
  /** The --help text; its first line, the synopsis, is repeated under a usage error. */
  usage: string;
}

/** process.argv (or config.args) parsed strictly, with -h/--help added; exits on --help or a usage error. */
export function parseBenchArgs<T extends Omit<ParseArgsConfig, "strict" | "tokens">>(cli: BenchCli, config: T): ReturnType<typeof parseArgs<T>> {
  let parsed;
  try {
    parsed = parseArgs({ ...config, options: { ...config.options, help: { type: "boolean", short: "h" } }, strict: true });
  } catch (error) {
    // parseArgs's messages name the option (ERR_PARSE_ARGS_UNKNOWN_OPTION and the like); the stack says nothing more.
    usageError(cli, (error as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(cli.usage);
    process.exit(0);
  }
  return parsed as ReturnType<typeof parseArgs<T>>;
}

export function usageError(cli: BenchCli, problem: string): never {
  process.stderr.write(`${cli.name}: ${problem}\n${cli.usage.split("\n", 1)[0]}  (--help for more)\n`);
  process.exit(2);
}

/**
 * A whole number from `range.min` (default 1) to `range.max` (default none), read from a flag's,
 * positional's or environment variable's text; undefined text gives `fallback`, which may itself be
 * undefined when the caller has its own default.
 */
export function wholeNumber<F extends number | undefined>(
  cli: BenchCli,
  what: string,
  text: string | undefined,
  fallback: F,
  range: { min?: number; max?: number } = {},
): number | F {
  if (text === undefined) return fallback;
  const { min = 1, max } = range;
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
    const bounds = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
    usageError(cli, `${what} must be a whole number ${bounds}, not '${text}'`);
  }
  return n;
}
