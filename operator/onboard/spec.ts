// `init --spec FILE`: an onboarding selection written as JSON. The file must match
// schemas/onboarding-selection.v1.schema.json; every mismatch is reported at its JSON path with a fix.
// `init --save-spec FILE` writes one: the choices a run made (by flags, a spec or the wizard),
// so the same init can run again unattended.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { readPackageJson } from "../../compiler/package-root.ts";
import { schemaErrorsToDiagnostics } from "../../compiler/config/schema-diagnostics.ts";
import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV } from "../../compiler/config/contract.ts";
import type { SelectionProblem } from "./problems.ts";
import type { OnboardingSelection } from "./selection.ts";
import type { PlannedFile } from "./write-files.ts";

export const SELECTION_SCHEMA_FILE = "schemas/onboarding-selection.v1.schema.json";

let compiled: ValidateFunction | undefined;

function selectionValidator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true, verbose: true }).compile(readPackageJson(SELECTION_SCHEMA_FILE));
  return compiled;
}

/** A parsed spec, or problems whose field is the JSON pointer of the offending value ("/patch/status"). */
export function parseSelection(raw: unknown): { ok: true; selection: OnboardingSelection } | { ok: false; problems: SelectionProblem[] } {
  const validate = selectionValidator();
  if (!validate(raw)) {
    // The messages are shared with the contract's validation; here they are about the spec.
    const problems = schemaErrorsToDiagnostics(validate.errors ?? []).map((d) => ({
      field: d.pointer || "/",
      message: d.message.replace("in the contract", "in the spec"),
      fix: d.fix.replace("schemas/synapsor.runner.schema.json", SELECTION_SCHEMA_FILE),
    }));
    return { ok: false, problems };
  }
  const { $schema: _hint, ...rest } = raw as OnboardingSelection & { $schema?: string };
  return { ok: true, selection: { ...rest, tenant_env: rest.tenant_env ?? DEFAULT_TENANT_ENV, principal_env: rest.principal_env ?? DEFAULT_PRINCIPAL_ENV } };
}

/**
 * The selection as a spec file's text, checked against the published schema first: a selection
 * the schema refuses would make a file `init --spec` cannot read back, so that is a bug here.
 */
export function selectionFileText(selection: OnboardingSelection): string {
  const validate = selectionValidator();
  if (!validate(selection)) throw new Error(`the selection does not match ${SELECTION_SCHEMA_FILE}: ${JSON.stringify(validate.errors?.[0] ?? {})}`);
  return JSON.stringify(selection, null, 2) + "\n";
}

/** `--save-spec FILE`: planned with the run's other files, so it is written all or nothing with them. */
export function selectionFile(path: string, selection: OnboardingSelection): PlannedFile {
  return { path: resolve(path), kind: "onboarding_selection", text: selectionFileText(selection) };
}

export function readSelectionFile(path: string): { ok: true; selection: OnboardingSelection } | { ok: false; problems: SelectionProblem[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code ?? "error";
    return { ok: false, problems: [{ field: "/", message: `The spec file cannot be read (${code}).`, fix: "Check the path given to --spec." }] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problems: [{ field: "/", message: "The spec file is not valid JSON.", fix: `Write it as JSON; ${SELECTION_SCHEMA_FILE} describes the fields.` }] };
  }
  return parseSelection(raw);
}
