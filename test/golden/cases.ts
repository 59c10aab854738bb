// Golden cases are folders: every directory under test/golden/ is one case, so adding a
// folder adds a case and there is no list to keep in step. test/golden/README.md says what
// a case folder holds.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT } from "../../cli/program.ts";

const GOLDEN_ROOT = fileURLToPath(new URL("./", import.meta.url));

/** What the committed files of a case say the build must do. */
export type Expectation =
  /** expected/ holds the generated src/ and manifest.json. */
  | "build"
  /** stderr.txt holds what `synapsor-runner build` prints, exit_code (optional) its exit code. */
  | "failure"
  /** Neither yet: `npm run golden:update` records whichever the build does. */
  | "unrecorded";

export interface GoldenCase {
  name: string;
  /** Absolute path of the case folder. */
  dir: string;
  /** The config and schema snapshot as given to `build`, relative to the case folder. */
  config: string;
  /** undefined: no --schema, so the config's build.schema_snapshot decides (as on the command line). */
  schema: string | undefined;
  expects: Expectation;
}

const CASE_FILE = "case.json";
export const EXPECTED_DIR = "expected";
export const STDERR_FILE = "stderr.txt";
export const EXIT_CODE_FILE = "exit_code";
/** The exit code of a build that fails on its input. */
export const DEFAULT_FAILURE_EXIT_CODE = EXIT.invalid;

const DEFAULT_CONFIG = "synapsor.runner.json";
const DEFAULT_SCHEMA = "synapsor.schema.json";

/** Every case folder under root, sorted by name. A malformed case.json throws: the case itself is broken. */
export function discoverCases(root: string = GOLDEN_ROOT): GoldenCase[] {
  return readdirSync(root)
    .filter((name) => !name.startsWith(".") && statSync(join(root, name)).isDirectory())
    .sort()
    .map((name) => readCase(name, join(root, name)));
}

function readCase(name: string, dir: string): GoldenCase {
  const pointers = readCaseFile(dir);
  const config = pointers.config ?? DEFAULT_CONFIG;
  if (!existsSync(resolve(dir, config))) {
    throw new Error(`golden case ${name}: no ${config} (write one, or name the config in ${CASE_FILE})`);
  }
  const schema = pointers.schema ?? (existsSync(join(dir, DEFAULT_SCHEMA)) ? DEFAULT_SCHEMA : undefined);
  const hasExpected = existsSync(join(dir, EXPECTED_DIR));
  const hasStderr = existsSync(join(dir, STDERR_FILE));
  if (hasExpected && hasStderr) {
    throw new Error(`golden case ${name}: has both ${EXPECTED_DIR}/ and ${STDERR_FILE}; a case either builds or fails, delete one`);
  }
  const expects: Expectation = hasExpected ? "build" : hasStderr ? "failure" : "unrecorded";
  return { name, dir, config, schema, expects };
}

/** case.json: {"config": "...", "schema": "..."}, paths relative to the case folder, both optional. */
function readCaseFile(dir: string): { config?: string; schema?: string } {
  const path = join(dir, CASE_FILE);
  if (!existsSync(path)) return {};
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  const fields = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  const unknown = fields ? Object.keys(fields).filter((k) => k !== "config" && k !== "schema") : [];
  const wrongType = fields ? Object.values(fields).some((v) => typeof v !== "string") : true;
  if (!fields || unknown.length > 0 || wrongType) {
    throw new Error(`${path}: expected {"config"?: string, "schema"?: string}${unknown.length > 0 ? `, found ${unknown.join(", ")}` : ""}`);
  }
  return fields as { config?: string; schema?: string };
}

/** The exit code a failing case expects: exit_code if present, else 1. */
export function expectedExitCode(c: GoldenCase): number {
  const path = join(c.dir, EXIT_CODE_FILE);
  return existsSync(path) ? Number(readFileSync(path, "utf8").trim()) : DEFAULT_FAILURE_EXIT_CODE;
}
