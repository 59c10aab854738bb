// Who may sign in to the review console, and how the console knows it is them. Today one
// identity: the operating-system user running `synapsor-runner ui`, reached through the per-run
// link printed on their terminal; the role is the one the reviewer types when approving
// (self-declared). Declared reviewers (operator/review/reviewers.ts) will yield one identity per
// reviewer here, each with its own link; nothing else in the console decides who someone is.

import { userInfo } from "node:os";

export interface ConsoleIdentity {
  /** The actor recorded on a decision or a comment. */
  name: string;
  /** The roles this identity holds; null when the reviewer declares their role in the approve form. */
  roles: readonly string[] | null;
  /** How the name is established: the console link proves who opened it, the role is self-declared. */
  establishedBy: { name: "console_link"; role: "self_declared" | "declared_reviewer" };
}

/** The identities the console prints a sign-in link for. */
export function consoleIdentities(): ConsoleIdentity[] {
  return [{ name: osUserName(), roles: null, establishedBy: { name: "console_link", role: "self_declared" } }];
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
