// Compiles the two JSON Schemas every command checks its input against (the contract and the
// schema snapshot) into standalone Ajv validator modules, committed beside the code that uses
// them. Compiling them at run time cost about 150 ms of every command that reads a config;
// loading the compiled module costs a few. The schema stays the source of truth:
// test/unit/precompiled-schemas.test.ts fails when a committed module is not what this script
// makes from it. Run after editing a schema:
//   npm run schemas:compile

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type Options } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import { packageFile, readPackageJson } from "../compiler/package-root.ts";

export interface PrecompiledSchema {
  /** The schema, relative to the package root. */
  schema: string;
  /** The committed validator module, relative to the package root. */
  module: string;
  /** Ajv's options for it: the ones the validator was compiled with at run time before. */
  options: Options;
}

export const PRECOMPILED_SCHEMAS: readonly PrecompiledSchema[] = [
  {
    schema: "schemas/synapsor.runner.schema.json",
    module: "compiler/config/contract-schema.validator.ts",
    // strict catches mistakes in the schema itself; verbose gives the diagnostics the failing value and schema.
    options: { allErrors: true, strict: true, allowUnionTypes: true, discriminator: true, verbose: true },
  },
  {
    schema: "schemas/schema-snapshot.v1.schema.json",
    module: "compiler/inspect/snapshot-schema.validator.ts",
    options: { allErrors: true, strict: true },
  },
];

/** The module text for one schema: Ajv's standalone code, able to load its two helpers from ESM. */
export function precompiledSource(entry: PrecompiledSchema): string {
  const ajv = new Ajv2020({ ...entry.options, code: { source: true, esm: true } });
  const code = standaloneCode.default(ajv, ajv.compile(readPackageJson(entry.schema)));
  return [
    `// Generated from ${entry.schema} by \`npm run schemas:compile\` (scripts/precompile-schemas.ts); do not edit.`,
    "// test/unit/precompiled-schemas.test.ts fails when this file is not what the schema compiles to.",
    "// @ts-nocheck",
    // Ajv's code require()s its runtime helpers (string length in code points, deep equality).
    'import { createRequire } from "node:module";',
    "const require = createRequire(import.meta.url);",
    code,
    "",
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const entry of PRECOMPILED_SCHEMAS) {
    writeFileSync(packageFile(entry.module), precompiledSource(entry));
    process.stdout.write(`wrote ${entry.module} from ${entry.schema}\n`);
  }
}
