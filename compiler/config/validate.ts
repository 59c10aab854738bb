// Stage 2: validate. First the JSON Schema (shape, types, closed objects), then — only
// when the shape is right — the contract rules that relate one part to another.

import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { readPackageJson } from "../package-root.ts";
import type { Contract } from "./contract.ts";
import type { StageResult } from "../diagnostics.ts";
import { checkContractRules } from "./rules/index.ts";
import { schemaErrorsToDiagnostics } from "./schema-diagnostics.ts";

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  // strict catches mistakes in the schema itself; verbose gives the mapper the failing value and schema.
  compiled ??= new Ajv2020({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    discriminator: true,
    verbose: true,
  }).compile(readPackageJson("schemas/synapsor.runner.schema.json"));
  return compiled;
}

export function validateContract(raw: unknown): StageResult<Contract> {
  const validate = schemaValidator();
  if (!validate(raw)) {
    return { ok: false, diagnostics: schemaErrorsToDiagnostics(validate.errors ?? []) };
  }
  const contract = raw as Contract;
  const diagnostics = checkContractRules(contract);
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, value: contract };
}

export { CONTRACT_RULES } from "./rules/index.ts";
export { SCHEMA_CODES } from "./schema-diagnostics.ts";
