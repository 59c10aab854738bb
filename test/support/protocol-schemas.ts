// The published JSON Schemas (schemas/*.schema.json) loaded as a client in another language
// would load them: every file by its $id into one strict Ajv, so cross-file $refs resolve.
// Tests assert that what the product writes or sends matches what it publishes.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { REPO_ROOT } from "./cli.ts";
import type { Executor } from "../../runtime/executors/executor.ts";

export const SCHEMA_DIR = join(REPO_ROOT, "schemas");
export const FIXTURE_DIR = join(SCHEMA_DIR, "fixtures");
const ID_BASE = "https://synapsor.dev/schemas/";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function schemaFiles(): string[] {
  return readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".schema.json")).sort();
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** A strict draft 2020-12 Ajv holding every published schema (the only format used, date-time, defined as RFC 3339). */
export function protocolAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true });
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)) });
  for (const file of schemaFiles()) ajv.addSchema(readJson(join(SCHEMA_DIR, file)) as object);
  return ajv;
}

let shared: Ajv2020 | undefined;

/** The validator of one schema file (e.g. "change-set.v1"), or of a definition in it ("execution-receipt.v1#/$defs/apply_output"). */
export function protocolValidator(name: string): ValidateFunction {
  shared ??= protocolAjv();
  const [file, pointer] = name.split("#");
  const ref = `${ID_BASE}${file}.schema.json${pointer ? `#${pointer}` : ""}`;
  const validate = shared.getSchema(ref);
  assert.ok(validate, `no schema ${ref}`);
  return validate;
}

/** Fails with Ajv's errors when `value` does not match the schema `name`. */
export function assertMatchesSchema(name: string, value: unknown, what = name): void {
  const validate = protocolValidator(name);
  const ok = validate(value);
  assert.ok(ok, `${what} does not match ${name}: ${JSON.stringify(validate.errors, null, 2)}\n${JSON.stringify(value, null, 2).slice(0, 4000)}`);
}

export function matchesSchema(name: string, value: unknown): boolean {
  return protocolValidator(name)(value) === true;
}

export function fixture(name: string): unknown {
  return readJson(join(FIXTURE_DIR, name));
}

/**
 * The executor, with every request it is given checked against app-handler-request.v1 and every
 * receipt it answers against execution-receipt.v1: tests that drive it cover the schemas too.
 */
export function schemaChecked(executor: Executor): Executor {
  return {
    ...executor,
    async execute(request) {
      assertMatchesSchema("app-handler-request.v1", request, "the request given to the executor");
      const result = await executor.execute(request);
      assertMatchesSchema("execution-receipt.v1", result.receipt, `the ${executor.type} executor's receipt`);
      return result;
    },
  };
}
