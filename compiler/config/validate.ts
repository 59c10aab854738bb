// Stage 2: validate. First the JSON Schema (shape, types, closed objects), then — only
// when the shape is right — the contract rules that relate one part to another.

import type { ValidateFunction } from "ajv";
// schemas/synapsor.runner.schema.json, compiled ahead of time by `npm run schemas:compile`.
import contractSchemaValidator from "./contract-schema.validator.ts";
import type { Contract } from "./contract.ts";
import type { StageResult } from "../diagnostics.ts";
import { checkContractRules } from "./rules/index.ts";
import { schemaErrorsToDiagnostics } from "./schema-diagnostics.ts";

export function validateContract(raw: unknown): StageResult<Contract> {
  const validate = contractSchemaValidator as ValidateFunction;
  if (!validate(raw)) {
    return { ok: false, diagnostics: schemaErrorsToDiagnostics(validate.errors ?? []) };
  }
  const contract = raw as Contract;
  const diagnostics = checkContractRules(contract);
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, value: contract };
}

export { CONTRACT_RULES } from "./rules/index.ts";
export { SCHEMA_CODES } from "./schema-diagnostics.ts";
