// Who the reviewer is. Reviewers may be declared, in the contract's `reviewers` or in
// synapsor.reviewers.json next to it (same shape, never both); once they are, a decision's actor
// is established (the OS user mapped to a reviewer, or a reviewer named with their credential, or
// the console's per-reviewer sign-in link) and its role checked against the declaration, never
// self-declared. Without a declaration, reviewers name themselves (--actor, --role) as before, and
// every decision says so. Pure functions over the declaration: the CLI and the review console
// both call them, and neither keeps a copy of the rules.

import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import type { Contract, ReviewerConfig } from "../../compiler/config/contract.ts";
import { loadContractFile } from "../../compiler/config/load.ts";
import { validateContract } from "../../compiler/config/validate.ts";
import { schemaErrorsToDiagnostics } from "../../compiler/config/schema-diagnostics.ts";
import { checkReviewers } from "../../compiler/config/rules/reviewers.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import { readPackageJson } from "../../compiler/package-root.ts";
import type { EstablishedBy } from "../../runtime/ledger/records.ts";
import { tokensEqual } from "../../runtime/mcp/auth.ts";

/** The file that may declare reviewers instead of the contract, in the contract's directory. */
export const REVIEWERS_FILE = "synapsor.reviewers.json";

/** The variable a reviewer's token is read from at the CLI unless --reviewer-token-env names another. */
export const DEFAULT_REVIEWER_TOKEN_ENV = "SYNAPSOR_REVIEWER_TOKEN";

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

  const loaded = loadContractFile(file);
  if (!loaded.ok) return { ok: false, file, diagnostics: loaded.diagnostics };
  const validate = fileValidator();
  if (!validate(loaded.raw)) return { ok: false, file, diagnostics: schemaErrorsToDiagnostics(validate.errors ?? []) };
  const reviewers = (loaded.raw as { reviewers: ReviewerConfig[] }).reviewers;
  const diagnostics: Diagnostic[] = [];
  checkReviewers(reviewers, contract.capabilities, (code, pointer, message, fix) => diagnostics.push({ code, pointer, message, fix }));
  if (diagnostics.length > 0) return { ok: false, file, diagnostics };
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

/** SHA-256 (lowercase hex) of a reviewer token: what `credential_sha256` holds. */
export function credentialHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new reviewer token: 32 random bytes, base64url, with a prefix that makes it recognisable in a leak scan. */
export function mintReviewerToken(): { token: string; sha256: string } {
  const token = `srv_${randomBytes(32).toString("base64url")}`;
  return { token, sha256: credentialHash(token) };
}

/** Whether `token` is this reviewer's credential; constant time, false when they have none. */
export function credentialMatches(reviewer: Reviewer, token: string): boolean {
  if (reviewer.credentialSha256 === null) return false;
  return tokensEqual(credentialHash(token), reviewer.credentialSha256);
}

export function findReviewer(declaration: Extract<ReviewerDeclaration, { declared: true }>, id: string): Reviewer | undefined {
  return declaration.reviewers.find((r) => r.id === id);
}

export type ReviewerRefusalCode = "REVIEWER_UNKNOWN" | "CREDENTIAL_REFUSED" | "CREDENTIAL_MISSING" | "ACTOR_MISMATCH" | "ROLE_NOT_DECLARED";

export interface ReviewerRefusal {
  code: ReviewerRefusalCode;
  message: string;
}

export type Established = { ok: true; reviewer: Reviewer; establishedBy: Extract<EstablishedBy, "os_user" | "credential"> } | { ok: false; refusal: ReviewerRefusal };

export interface CliIdentity {
  /** The operating-system user running the command (os.userInfo().username). */
  osUser: string;
  /** --reviewer: a declared reviewer the person claims to be, proven by `token`. */
  reviewerId?: string;
  /** The value of the token variable, if it is set. */
  token?: string;
  /** The name of the token variable, for messages (never its value). */
  tokenEnv: string;
  /** --actor as typed, if it was: it must name the established reviewer. */
  actor?: string;
}

/**
 * Who is deciding at the CLI, when reviewers are declared: the reviewer named with --reviewer
 * whose credential the token variable holds, else the reviewer the OS user maps to. A wrong
 * credential and an unknown reviewer id get the same answer, so a guess learns nothing.
 */
export function establishCliReviewer(declaration: Extract<ReviewerDeclaration, { declared: true }>, who: CliIdentity): Established {
  const refuse = (code: ReviewerRefusalCode, message: string): Established => ({ ok: false, refusal: { code, message } });
  let reviewer: Reviewer | undefined;
  let establishedBy: "os_user" | "credential";
  if (who.reviewerId !== undefined) {
    if (who.token === undefined || who.token === "") {
      return refuse("CREDENTIAL_MISSING", `--reviewer needs the reviewer's token in ${who.tokenEnv}, which is not set. Set it (the token printed by \`synapsor-runner reviewers token ID\`) or name another variable with --reviewer-token-env.`);
    }
    const claimed = findReviewer(declaration, who.reviewerId);
    if (!claimed || !credentialMatches(claimed, who.token)) {
      return refuse("CREDENTIAL_REFUSED", `Reviewer sign-in refused: no declared reviewer with that id holds the token in ${who.tokenEnv}. Nothing changed.`);
    }
    reviewer = claimed;
    establishedBy = "credential";
  } else {
    reviewer = declaration.reviewers.find((r) => r.osUsers.includes(who.osUser));
    if (!reviewer) {
      return refuse(
        "REVIEWER_UNKNOWN",
        `The OS user ${JSON.stringify(who.osUser)} is no declared reviewer (reviewers are declared in ${declaration.source}). ` +
          `Add it to a reviewer's os_users, or name a reviewer with --reviewer ID and their token in ${who.tokenEnv}. Nothing changed.`,
      );
    }
    establishedBy = "os_user";
  }
  if (who.actor !== undefined && who.actor !== reviewer.id) {
    return refuse("ACTOR_MISMATCH", `--actor ${JSON.stringify(who.actor)} is not the established reviewer ${reviewer.id}: with reviewers declared, the actor is who you are, not a name you type. Leave --actor out. Nothing changed.`);
  }
  return { ok: true, reviewer, establishedBy };
}

/**
 * The role a declared reviewer decides in: the one asked for, which they must hold; else the
 * role the proposal requires, when they hold it; else their only role, if they have one. Never a
 * role the declaration does not give them. Approving a proposal that requires a role they do not
 * hold is refused here, in words about the declaration (the ledger's rules would refuse it too).
 */
export function reviewerRole(
  reviewer: Reviewer,
  requested: string | undefined,
  proposal: { requiredRole?: string; approving: boolean },
): { ok: true; role: string | undefined } | { ok: false; refusal: ReviewerRefusal } {
  const refuse = (message: string) => ({ ok: false as const, refusal: { code: "ROLE_NOT_DECLARED" as const, message } });
  const held = reviewer.roles.join(", ");
  if (requested !== undefined && !reviewer.roles.includes(requested)) {
    return refuse(`Reviewer ${reviewer.id} does not hold the role ${JSON.stringify(requested)}; their declared roles are ${held}. Nothing changed.`);
  }
  const required = proposal.requiredRole;
  if (proposal.approving && required !== undefined && !reviewer.roles.includes(required)) {
    return refuse(`This proposal must be approved by the role ${JSON.stringify(required)}, which reviewer ${reviewer.id} does not hold (their declared roles are ${held}). Another reviewer must approve it. Nothing changed.`);
  }
  if (requested !== undefined) return { ok: true, role: requested };
  if (required !== undefined && reviewer.roles.includes(required)) return { ok: true, role: required };
  return { ok: true, role: reviewer.roles.length === 1 ? reviewer.roles[0] : undefined };
}
