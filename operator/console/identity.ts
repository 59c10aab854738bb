// Who may sign in to the review console, and how the console knows it is them. Each identity gets
// its own one-time link, printed on the terminal of the person who started `synapsor-runner ui`.
// With reviewers declared (the contract's `reviewers` or synapsor.reviewers.json), there is one
// identity per reviewer: the link names them, their roles are the declared ones, and a decision
// records the reviewer as established by the console link. Without a declaration there is one
// identity, the operating-system user, whose role is typed in the approve form and recorded as
// self-declared. Nothing else in the console decides who someone is.

import { userInfo } from "node:os";
import type { ReviewerDeclaration } from "../review/reviewers.ts";
import type { EstablishedBy } from "../../runtime/ledger/records.ts";

export interface ConsoleIdentity {
  /** The actor recorded on a decision or a comment (a declared reviewer's id). */
  name: string;
  /** What the terminal prints beside the link: the reviewer's display name and id. */
  label: string;
  /** The roles this identity holds; null when the reviewer declares their role in the approve form. */
  roles: readonly string[] | null;
  /** How a decision taken through this identity's link records the reviewer. */
  establishedBy: Extract<EstablishedBy, "console_link" | "self_declared">;
  /** Other names this person goes by (a declared reviewer's OS users): none may approve its own proposal either. */
  alsoKnownAs: readonly string[];
}

/** The identities the console prints a sign-in link for. */
export function consoleIdentities(declaration: ReviewerDeclaration): ConsoleIdentity[] {
  if (!declaration.declared) {
    const name = osUserName();
    return [{ name, label: name, roles: null, establishedBy: "self_declared", alsoKnownAs: [] }];
  }
  return declaration.reviewers.map((r) => ({
    name: r.id,
    label: r.name === r.id ? r.id : `${r.name} (${r.id})`,
    roles: r.roles,
    establishedBy: "console_link",
    alsoKnownAs: r.osUsers,
  }));
}

function osUserName(): string {
  try {
    const name = userInfo().username.trim();
    if (name) return name;
  } catch {
    // No passwd entry (a container with an arbitrary uid): fall through to the environment.
  }
  return process.env.USER?.trim() || process.env.LOGNAME?.trim() || "operator";
}
