// Checks a writeback job against schemas/writeback-job.v1.schema.json, the contract other
// languages build handlers from: what we write out must be what we publish.

import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import { readPackageJson } from "../../compiler/package-root.ts";
import type { WritebackRequest } from "../../runtime/executors/protocol.ts";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  // The only format the schema uses; defined here rather than pulling in a formats package.
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)) });
  compiled = ajv.compile(readPackageJson("schemas/writeback-job.v1.schema.json"));
  return compiled;
}

export type JobCheck = { ok: true; request: WritebackRequest } | { ok: false; errors: string[] };

export function checkWritebackJob(value: unknown): JobCheck {
  const validate = validator();
  if (validate(value)) return { ok: true, request: value as WritebackRequest };
  return { ok: false, errors: (validate.errors ?? []).map(describe) };
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || "(root)"} ${error.message ?? "is invalid"}`;
}
