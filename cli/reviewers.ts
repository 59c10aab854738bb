// `synapsor-runner reviewers …`: the declared reviewers (contract `reviewers` or
// synapsor.reviewers.json next to it), and tokens for them. A token is printed once and never
// stored: the declaration keeps only its SHA-256.

import type { Command } from "commander";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { DEFAULT_REVIEWER_TOKEN_ENV, loadReviewers, mintReviewerToken, type ReviewerDeclaration } from "../operator/review/reviewers.ts";
import { table, textLines } from "../operator/review/format.ts";
import { CliError, printJson } from "./program.ts";

const REVIEWER_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function register(program: Command): void {
  const group = program.command("reviewers").description("Declared reviewers: list them, mint a reviewer's CLI token");

  group
    .command("list")
    .description("List the reviewers declared in the contract (or synapsor.reviewers.json next to it), with their roles and OS users")
    .requiredOption("--config <file>", "the contract (synapsor.runner.json)")
    .option("--json", "print { declared, source, reviewers: [{ id, name, roles, osUsers, hasCredential }] } as JSON")
    .action((flags: { config: string; json?: boolean }) => list(flags));

  group
    .command("token")
    .description(`Mint a token for a reviewer: the token goes to stdout once (keep it in ${DEFAULT_REVIEWER_TOKEN_ENV}), the credential_sha256 line to paste into their declaration to stderr`)
    .argument("<id>", "the reviewer's id, e.g. dana")
    .option("--json", "print { reviewer, token, credential_sha256 } as JSON")
    .action((id: string, flags: { json?: boolean }) => token(id, flags));
}

function declarationOf(config: string): ReviewerDeclaration {
  const loaded = loadReviewers(config);
  if (!loaded.ok) throw new CliError(formatDiagnostics(loaded.file, loaded.diagnostics));
  return loaded.declaration;
}

function list(flags: { config: string; json?: boolean }): void {
  const declaration = declarationOf(flags.config);
  if (!declaration.declared) {
    if (flags.json) printJson({ declared: false, source: null, reviewers: [] });
    else process.stdout.write(textLines([`No reviewers are declared for ${flags.config}: reviewers name themselves with --actor and --role (self-declared; every decision records that).`]));
    return;
  }
  const reviewers = declaration.reviewers.map((r) => ({ id: r.id, name: r.name, roles: r.roles, osUsers: r.osUsers, hasCredential: r.credentialSha256 !== null }));
  if (flags.json) {
    printJson({ declared: true, source: declaration.source, reviewers });
    return;
  }
  process.stdout.write(textLines([`Reviewers declared in ${declaration.source}:`]));
  process.stdout.write(table(["ID", "NAME", "ROLES", "OS USERS", "CREDENTIAL"], reviewers.map((r) => [r.id, r.name, r.roles.join(", "), r.osUsers.join(", "), r.hasCredential ? "set" : "-"])));
}

function token(id: string, flags: { json?: boolean }): void {
  if (!REVIEWER_ID.test(id)) throw new CliError("A reviewer id is lowercase letters, digits, '.', '_' and '-' (at most 64), e.g. dana.");
  const minted = mintReviewerToken();
  if (flags.json) {
    printJson({ reviewer: id, token: minted.token, credential_sha256: minted.sha256 });
    return;
  }
  // stdout holds only the token, so `export SYNAPSOR_REVIEWER_TOKEN=$(synapsor-runner reviewers token dana)` works.
  process.stdout.write(`${minted.token}\n`);
  process.stderr.write(textLines([
    `The token above is shown once and stored nowhere; give it to reviewer ${id}, who keeps it in ${DEFAULT_REVIEWER_TOKEN_ENV} (or the variable they pass with --reviewer-token-env).`,
    `Paste this into reviewer ${id}'s declaration (the contract's "reviewers" or synapsor.reviewers.json):`,
    `  "credential_sha256": "${minted.sha256}"`,
  ]));
}
