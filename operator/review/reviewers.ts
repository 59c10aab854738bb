// Who the reviewer is. Reviewers may be declared, in the contract's `reviewers` or in
// synapsor.reviewers.json next to it (same shape, never both); once they are, a decision's actor
// is established (the OS user mapped to a reviewer, or a reviewer named with their credential, or
// the console's per-reviewer sign-in link) and its role checked against the declaration, never
// self-declared. Without a declaration, reviewers name themselves (--actor, --role) as before, and
// every decision says so. Pure functions over the declaration: the CLI and the review console
// both call them, and neither keeps a copy of the rules.

import { createHash, randomBytes } from "node:crypto";
import type { EstablishedBy } from "../../runtime/ledger/records.ts";
import { tokensEqual } from "../../runtime/mcp/auth.ts";
import type { Reviewer, ReviewerDeclaration } from "../../compiler/config/reviewers.ts";

export { loadReviewers, reviewersFilePath, REVIEWERS_FILE, type Reviewer, type ReviewerDeclaration, type ReviewersLoad } from "../../compiler/config/reviewers.ts";

/** The variable a reviewer's token is read from at the CLI unless --reviewer-token-env names another. */
export const DEFAULT_REVIEWER_TOKEN_ENV = "SYNAPSOR_REVIEWER_TOKEN";

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
