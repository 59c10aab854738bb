// Where the bundled support-billing example lives and how to read its SQL.
// The demo, the docs and the tests all load the same files so they cannot drift.

import { readFileSync } from "node:fs";
import type { Engine } from "../../compiler/config/contract.ts";
import { packageFile } from "../../compiler/package-root.ts";

/** Absolute path of examples/support-billing/ (ends with a separator). */
export const EXAMPLE_DIR = packageFile("examples/support-billing/");

/** Absolute path of the example's synapsor.runner.json. */
export const EXAMPLE_CONFIG_PATH = `${EXAMPLE_DIR}synapsor.runner.json`;

/** The example's committed schema snapshot: what `ui` and `tools preview` compile against once the demo database is gone. */
export const EXAMPLE_SNAPSHOT_PATH = `${EXAMPLE_DIR}synapsor.schema.json`;

/** The example's schema script, then its seed script, for one engine. */
export function exampleSql(engine: Engine): string[] {
  return ["schema", "seed"].map((part) => readFileSync(`${EXAMPLE_DIR}${part}.${engine}.sql`, "utf8"));
}
