// Where declared reviewers are read from: the contract's `reviewers`, or synapsor.reviewers.json
// next to it (same shape), never both. The build reads them too (planContract: a capability built
// with reviewers declared makes its proposals refuse self-declared decisions), so the loader sits
// with the config stages; operator/review/reviewers.ts establishes who is deciding.

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import type { Contract, ReviewerConfig } from "./contract.ts";
import { loadContractFile } from "./load.ts";
import { validateContract } from "./validate.ts";
import { schemaErrorsToDiagnostics } from "./schema-diagnostics.ts";
import { checkReviewers } from "./rules/reviewers.ts";
import type { Diagnostic } from "../diagnostics.ts";
import { readPackageJson } from "../package-root.ts";

/** The file that may declare reviewers instead of the contract, in the contract's directory. */
export const REVIEWERS_FILE = "synapsor.reviewers.json";

export interface Reviewer {
  id: string;
  /** Display name; the id when none is declared. */
  name: string;
  roles: string[];
  /** OS users that are this reviewer at the CLI (the id itself when none are declared). */
  osUsers: string[];
  /** Hex SHA-256 of the reviewer's token, when they have one. */
  credentialSha256: string | null;
}

export type ReviewerDeclaration =
  | { declared: false }
  /** `source`: the file the reviewers were read from (the contract, or synapsor.reviewers.json). */
  | { declared: true; reviewers: Reviewer[]; source: string };

export type ReviewersLoad = { ok: true; declaration: ReviewerDeclaration } | { ok: false; file: string; diagnostics: Diagnostic[] };

/**
 * The reviewers declared for the contract at `configPath`. `contract` is that contract already
 * loaded and validated, when the caller has it (read from disk otherwise). Refuses a declaration
 * in both places, a reviewers file of the wrong shape, and one that breaks the reviewer rules.
 */
export function loadReviewers(configPath: string, contract?: Contract): ReviewersLoad {
  if (!contract) {
    const loaded = loadContractFile(configPath);
    const validated = loaded.ok ? validateContract(loaded.raw) : loaded;
    if (!validated.ok) return { ok: false, file: configPath, diagnostics: validated.diagnostics };
    contract = validated.value;
  }
  const file = reviewersFilePath(configPath);
  const inFile = existsSync(file);
  if (contract.reviewers && inFile) {
    return {
      ok: false,
      file,
      diagnostics: [{
        code: "REVIEWERS_DECLARED_TWICE",
        pointer: "/reviewers",
        message: `Reviewers are declared both in ${configPath} and in ${file}; which list holds is not guessed.`,
        fix: `Keep one: delete ${file}, or remove "reviewers" from ${configPath}.`,
      }],
    };
  }
  if (contract.reviewers) return { ok: true, declaration: declared(contract.reviewers, resolve(configPath)) };
  if (!inFile) return { ok: true, declaration: { declared: false } };

  // A diagnostic's pointer is into the contract (diagnostics.ts), and printers name the contract:
  // problems in the reviewers file name that file and their place in it in the message instead.
  // A rule about the contract's own capabilities (a required role nobody holds) keeps its pointer.
  const inReviewersFile = (diagnostics: Diagnostic[]) =>
    diagnostics.map((d) => (d.pointer.startsWith("/capabilities/")
      ? d
      : { ...d, pointer: "", message: `In ${REVIEWERS_FILE}${d.pointer ? ` at ${d.pointer}` : ""}: ${d.message}` }));
  const loaded = loadContractFile(file);
  if (!loaded.ok) return { ok: false, file, diagnostics: inReviewersFile(loaded.diagnostics) };
  const validate = fileValidator();
  if (!validate(loaded.raw)) return { ok: false, file, diagnostics: inReviewersFile(schemaErrorsToDiagnostics(validate.errors ?? [])) };
  const reviewers = (loaded.raw as { reviewers: ReviewerConfig[] }).reviewers;
  const diagnostics: Diagnostic[] = [];
  checkReviewers(reviewers, contract.capabilities, (code, pointer, message, fix) => diagnostics.push({ code, pointer, message, fix }));
  if (diagnostics.length > 0) return { ok: false, file, diagnostics: inReviewersFile(diagnostics) };
  return { ok: true, declaration: declared(reviewers, file) };
}

export function reviewersFilePath(configPath: string): string {
  return join(dirname(resolve(configPath)), REVIEWERS_FILE);
}

function declared(reviewers: readonly ReviewerConfig[], source: string): ReviewerDeclaration {
  return {
    declared: true,
    source,
    reviewers: reviewers.map((r) => ({
      id: r.id,
      name: r.name ?? r.id,
      roles: [...r.roles],
      osUsers: r.os_users ? [...r.os_users] : [r.id],
      credentialSha256: r.credential_sha256 ?? null,
    })),
  };
}

let compiledFile: ValidateFunction | undefined;

/** synapsor.reviewers.json is `{ "reviewers": [...] }`, checked by the contract schema's own reviewer definition. */
function fileValidator(): ValidateFunction {
  if (compiledFile) return compiledFile;
  const contractSchema = readPackageJson("schemas/synapsor.runner.schema.json") as { $id: string };
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true, verbose: true });
  ajv.addSchema(contractSchema);
  compiledFile = ajv.compile({
    type: "object",
    properties: { $schema: { type: "string" }, reviewers: { $ref: `${contractSchema.$id}#/$defs/reviewers` } },
    required: ["reviewers"],
    additionalProperties: false,
  });
  return compiledFile;
}
