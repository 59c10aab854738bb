// `synapsor-runner proposals …`: the human side of a proposal. None of these are MCP tools:
// the model can propose, only a person at this CLI can approve or reject.

import { basename } from "node:path";
import { userInfo } from "node:os";
import { Option, type Command } from "commander";
import { compileForCommand } from "./compiled.ts";
import type { Ledger } from "../runtime/ledger/ports.ts";
import type { Decision, EstablishedBy, ProposalState, StoredProposal } from "../runtime/ledger/records.ts";
import { approvalWindowRefusal, currentDeadline, decisionRefusal, PROPOSAL_STATES } from "../runtime/ledger/review-rules.ts";
import { changeSetHash } from "../runtime/ledger/hash.ts";
import { buildWritebackRequest, protocolChangeSet, WritebackRequestError } from "../runtime/executors/request.ts";
import { confirm } from "../operator/review/confirm.ts";
import { decideProposal, type DecisionKind, type DecisionRequest } from "../operator/review/decide.ts";
import { diffObject, proposalDiff } from "../operator/review/diff.ts";
import { ESTABLISHED_TEXT, formatDecision, formatProposalList, table, textLines } from "../operator/review/format.ts";
import { DEFAULT_REVIEWER_TOKEN_ENV, establishCliReviewer, loadReviewers, reviewerRole } from "../operator/review/reviewers.ts";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { envNameOrRefuse } from "./env-name.ts";
import { formatDecisionPrompt, formatProposalDetail } from "../operator/review/proposal-view.ts";
import { proposalHistory } from "../operator/review/history.ts";
import { checkWritebackJob } from "../operator/review/job-schema.ts";
import { positiveInt } from "../operator/review/options.ts";
import { expireStalePlans, STALE_REASON_TEXT } from "../operator/review/stale-plans.ts";
import { explicitStoreLocation, keySettings, storeFlag, storeLocation, storeOption, storeUrlEnvOption, withKeyOptions, withLedger, type KeyFlags, type StoreLocation } from "../operator/review/store.ts";
import { writeFileAtomically } from "../operator/review/write-file.ts";
import { terminalSafe } from "../runtime/text/terminal-safe.ts";
import { CliError, EXIT, printJson } from "./program.ts";


interface ListFlags extends KeyFlags {
  store?: string;
  storeUrlEnv?: string;
  state?: ProposalState;
  capability?: string;
  tenant?: string;
  object?: string;
  limit: number;
  json?: boolean;
}

interface DecideFlags extends KeyFlags {
  store?: string;
  storeUrlEnv?: string;
  actor?: string;
  role?: string;
  reviewer?: string;
  reviewerTokenEnv: string;
  reason?: string;
  yes?: boolean;
  json?: boolean;
}


export function register(program: Command): void {
  const group = program.command("proposals").description("Review proposals outside MCP: list, show, approve, reject, export a writeback job, expire stale ones");

  withKeyOptions(group
    .command("list")
    .description("List proposals, newest first, with their review deadline; overdue proposals are expired first (review deadline or approval window passed)")
    .addOption(storeOption())
    .addOption(storeUrlEnvOption())
    .addOption(new Option("--state <state>", "only proposals in this state").choices(PROPOSAL_STATES))
    .option("--capability <name>", "only proposals made by this capability")
    .option("--tenant <id>", "only proposals of this tenant")
    .option("--object <id>", "only proposals for this object: its primary-key value, or table:value")
    .option("--limit <n>", "at most this many", positiveInt, 50)
    .option("--json", "print the proposals as a JSON array (each with its verification)"))
    .action((flags: ListFlags) => withLedger(storeLocation(flags), (ledger) => list(ledger, flags), flags));

  withKeyOptions(group
    .command("show")
    .description("Show one proposal: target, before/proposed diff, guards, evidence, approval requirement, history")
    .argument("<id>", "proposal id (wrp_…)")
    .addOption(storeOption())
    .addOption(storeUrlEnvOption())
    .option("--json", "print { proposal, verified, hashVerified, deadline, diff, changeSet, evidence, decisions, writebackJobs, receipts, events } as JSON"))
    .action((id: string, flags: { store?: string; storeUrlEnv?: string; json?: boolean } & KeyFlags) => {
      const store = storeLocation(flags);
      return withLedger(store, (ledger) => show(ledger, id, store, flags), flags);
    });

  withKeyOptions(group
    .command("approve")
    .description("Approve a proposal in review_required; the approval binds to its hash")
    .argument("<id>", "proposal id (wrp_…)")
    .addOption(storeOption({ required: true }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--actor <name>", "who is approving (recorded in the ledger and sent with the writeback job); required when no reviewers are declared, and with declared reviewers at most the established reviewer's id")
    .option("--role <role>", "the role you approve in; required when the capability names approval.required_role (with declared reviewers: one of yours, default the required one)")
    .option("--reviewer <id>", "with declared reviewers (--config): decide as this reviewer, proven by their token in --reviewer-token-env, instead of as the OS user")
    .option("--reviewer-token-env <VAR>", "the variable holding the --reviewer token", DEFAULT_REVIEWER_TOKEN_ENV)
    .option("--yes", "do not ask for confirmation (needed when not on a terminal)")
    .option("--json", "print the decision as JSON"))
    .action((id: string, flags: DecideFlags) => decide(id, "approved", flags));

  withKeyOptions(group
    .command("reject")
    .description("Reject a proposal in review_required; it can never be applied")
    .argument("<id>", "proposal id (wrp_…)")
    .addOption(storeOption({ required: true }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--actor <name>", "who is rejecting; required when no reviewers are declared")
    .requiredOption("--reason <text>", "why; recorded in the ledger and shown in replay")
    .option("--role <role>", "the role you decide in (with declared reviewers: one of yours)")
    .option("--reviewer <id>", "with declared reviewers (--config): decide as this reviewer, proven by their token in --reviewer-token-env")
    .option("--reviewer-token-env <VAR>", "the variable holding the --reviewer token", DEFAULT_REVIEWER_TOKEN_ENV)
    .option("--yes", "do not ask for confirmation (needed when not on a terminal)")
    .option("--json", "print the decision as JSON"))
    .action((id: string, flags: DecideFlags) => decide(id, "rejected", flags));

  withKeyOptions(group
    .command("writeback-job")
    .description("Write the writeback request the apply step would send for an approved proposal (schemas/writeback-job.v1.schema.json)")
    .argument("<id>", "proposal id (wrp_…)")
    .addOption(storeOption({ required: true }))
    .addOption(storeUrlEnvOption({ required: true }))
    .requiredOption("--output <file>", "where to write the job, e.g. job.json")
    .option("--json", "print { proposalId, output, idempotencyKey } as JSON"))
    .action((id: string, flags: { store?: string; storeUrlEnv?: string; output: string; json?: boolean } & KeyFlags) => {
      const store = explicitStoreLocation(flags);
      return withLedger(store, (ledger) => writebackJob(ledger, id, store, flags), flags);
    });

  group
    .command("expire")
    .description("Retire proposals that can no longer be applied: --stale-plan expires every proposal in review_required or approved whose capability now compiles to another plan; --overdue every one past its review deadline or approval window")
    .option("--stale-plan", "expire proposals whose recorded plan hash no longer matches the current build of --config (or whose capability is gone)")
    .option("--overdue", "expire proposals past their review deadline (approval.expires_after) or, approved with nothing sent, past their approval window (approval.valid_for); needs no compile, suits a cron job")
    .option("--config <file>", "the contract as it is now; with --stale-plan its plan is compiled (no files are written)")
    .option("--schema <file>", "schema snapshot to compile against (default: build.schema_snapshot, else the live schema of the source's read URL, as apply does)")
    .option("--from-env <VAR>", "env var holding a database URL: compile against the live schema instead")
    .option("--store <file>", "the ledger (default: the config's storage.postgres_url_env, else its storage.sqlite_path, relative to the config)")
    .addOption(storeUrlEnvOption())
    .option("--ledger-key-env <VAR>", "the variable holding the ledger keys (default: the config's storage.ledger_key_env)")
    .option("--dry-run", "only list what would expire")
    .option("--json", "print { ok, dryRun, expired, current, skipped } as JSON (--overdue: { ok, overdue: [{ id, state, capability }] })")
    .action((flags: ExpireFlags) => expire(flags));
}

interface ExpireFlags extends KeyFlags {
  stalePlan?: boolean;
  overdue?: boolean;
  config?: string;
  schema?: string;
  fromEnv?: string;
  store?: string;
  storeUrlEnv?: string;
  dryRun?: boolean;
  json?: boolean;
}

async function expire(flags: ExpireFlags): Promise<void> {
  if (flags.overdue && !flags.stalePlan) return expireOverdue(flags);
  if (flags.overdue) throw new CliError("Run --overdue and --stale-plan separately: they report different things.");
  if (!flags.stalePlan) throw new CliError("Say which proposals to expire: --stale-plan (those whose plan no longer matches the config) or --overdue (past their review deadline or approval window).");
  if (flags.config === undefined) throw new CliError("--stale-plan compares the proposals with the build of the contract as it is now: pass --config synapsor.runner.json.");
  const config = flags.config;
  // The same compile `apply` runs (and the same schema defaults), so what expires here is exactly
  // what apply would refuse.
  const compiled = await compileForCommand(config, flags);

  const store = storeLocation({ ...flags, config }, compiled.contract);
  const keys = keySettings(store, { ...(flags.ledgerKeyEnv ? { ledgerKeyEnv: flags.ledgerKeyEnv } : {}) }, compiled.contract);
  await withLedger(store, async (ledger) => {
    const report = await expireStalePlans(ledger, compiled.plan, { dryRun: flags.dryRun === true, config: basename(config) });
    if (flags.json) {
      printJson({ ok: true, dryRun: flags.dryRun === true, ...report });
      return;
    }
    const verb = flags.dryRun ? "Would expire" : "Expired";
    if (report.expired.length === 0) process.stdout.write(`No open proposal is stranded: all ${report.current} match the plan of ${config}.\n`);
    else {
      process.stdout.write(`${verb} ${report.expired.length} proposal${report.expired.length === 1 ? "" : "s"} made under a plan that ${config} no longer compiles to:\n`);
      process.stdout.write(table(["ID", "STATE", "CAPABILITY", "WHY"], report.expired.map((e) => [e.id, e.state, e.capability, STALE_REASON_TEXT[e.reason]])));
      process.stdout.write(`${report.current} open proposal${report.current === 1 ? "" : "s"} still match${report.current === 1 ? "es" : ""} the plan.\n`);
    }
    for (const skipped of report.skipped) process.stderr.write(`synapsor-runner: ${terminalSafe(skipped.message)}\n`);
  }, keys);
}


/** `proposals expire --overdue`: the same sweep `proposals list` runs first, on its own (for a cron job). */
async function expireOverdue(flags: ExpireFlags): Promise<void> {
  if (flags.dryRun) throw new CliError("--overdue has no --dry-run: `proposals list` shows each deadline, and listing expires the overdue ones too.");
  await withLedger(storeLocation(flags), async (ledger) => {
    const expired = await ledger.proposals.expireOverdue();
    if (flags.json) {
      printJson({ ok: true, overdue: expired.map((p) => ({ id: p.id, state: p.state, capability: p.capability })) });
      return;
    }
    if (expired.length === 0) process.stdout.write("No proposal is past its review deadline or approval window.\n");
    else {
      process.stdout.write(`Expired ${expired.length} overdue proposal${expired.length === 1 ? "" : "s"} (each has a proposal_expired event with its reason):\n`);
      process.stdout.write(table(["ID", "CAPABILITY"], expired.map((p) => [p.id, p.capability])));
    }
  }, flags);
}


async function list(ledger: Ledger, flags: ListFlags): Promise<void> {
  // Overdue proposals are expired first (fail closed), so the list never offers one nobody may approve or apply.
  const expired = await ledger.proposals.expireOverdue();
  if (expired.length > 0) {
    process.stderr.write(`synapsor-runner: expired ${expired.length} overdue proposal${expired.length === 1 ? "" : "s"} (review deadline or approval window passed): ${expired.map((p) => p.id).join(", ")}\n`);
  }
  const proposals = await ledger.proposals.list({
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.capability ? { capability: flags.capability } : {}),
    ...(flags.tenant ? { tenantId: flags.tenant } : {}),
    ...(flags.object !== undefined ? { object: flags.object } : {}),
    limit: flags.limit,
  });
  if (flags.json) printJson(proposals);
  else process.stdout.write(formatProposalList(proposals));
}

async function show(ledger: Ledger, id: string, store: StoreLocation, flags: { json?: boolean }): Promise<void> {
  const history = await proposalHistory(ledger, id);
  if (!history) throw new CliError(`No proposal ${id} in this store. List them with: synapsor-runner proposals list ${storeFlag(store)}`);
  const p = history.proposal;
  if (flags.json) {
    printJson({
      proposal: p,
      verified: p.verification.verified && history.decisions.every((d) => d.verification.verified),
      hashVerified: changeSetHash(p) === p.hash,
      deadline: currentDeadline(p, history.decisions.filter((d) => d.decision === "approved").at(-1)),
      diff: diffObject(proposalDiff(p)),
      // The change set as executors receive it (schemas/change-set.v1.schema.json).
      changeSet: protocolChangeSet(p),
      evidence: history.evidence,
      decisions: history.decisions,
      writebackJobs: history.jobs,
      receipts: history.receipts,
      events: history.events,
    });
    return;
  }
  process.stdout.write(formatProposalDetail(history));
}

/** Who is deciding, and how that was established: from declared reviewers when --config declares them, else as typed. */
interface Decider {
  actor: string;
  role?: string;
  establishedBy: EstablishedBy;
  /** Other names the person goes by: the OS user, the reviewer's declared OS users. */
  alsoKnownAs: string[];
}

function decider(kind: DecisionKind, flags: DecideFlags, proposal: StoredProposal | undefined): Decider | { refusal: { code: string; message: string } } {
  const tokenEnv = envNameOrRefuse("--reviewer-token-env", flags.reviewerTokenEnv);
  const loaded = flags.config !== undefined ? loadReviewers(flags.config) : undefined;
  if (loaded && !loaded.ok) throw new CliError(formatDiagnostics(loaded.file, loaded.diagnostics));
  const declaration = loaded?.declaration;
  if (!declaration?.declared) {
    if (flags.reviewer !== undefined) {
      throw new CliError(flags.config === undefined
        ? "--reviewer names a declared reviewer: pass --config, the contract whose reviewers (or synapsor.reviewers.json next to it) declare them."
        : `--reviewer names a declared reviewer, but ${flags.config} declares none (no "reviewers", no synapsor.reviewers.json next to it). Name yourself with --actor instead.`);
    }
    if (!flags.actor?.trim()) throw new CliError("--actor must name who is deciding (no reviewers are declared, so reviewers name themselves; pass --config if the contract declares them).");
    return { actor: flags.actor, ...(flags.role !== undefined ? { role: flags.role } : {}), establishedBy: "self_declared", alsoKnownAs: [] };
  }
  const token = flags.reviewer !== undefined ? process.env[tokenEnv] : undefined;
  const osUser = userInfo().username;
  const established = establishCliReviewer(declaration, {
    osUser,
    tokenEnv,
    ...(flags.reviewer !== undefined ? { reviewerId: flags.reviewer } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(flags.actor !== undefined ? { actor: flags.actor } : {}),
  });
  if (!established.ok) return { refusal: established.refusal };
  const role = reviewerRole(established.reviewer, flags.role, { approving: kind === "approved", ...(proposal?.approval.requiredRole !== undefined ? { requiredRole: proposal.approval.requiredRole } : {}) });
  if (!role.ok) return { refusal: role.refusal };
  return {
    actor: established.reviewer.id,
    ...(role.role !== undefined ? { role: role.role } : {}),
    establishedBy: established.establishedBy,
    // An agent whose principal is one of these names is this person: they may not approve its proposals.
    alsoKnownAs: [...new Set([osUser, ...established.reviewer.osUsers])],
  };
}

async function decide(id: string, kind: DecisionKind, flags: DecideFlags): Promise<void> {
  if (kind === "rejected" && !flags.reason?.trim()) throw new CliError("--reason must say why the proposal is rejected.");

  const store = explicitStoreLocation(flags);
  await withLedger(store, async (ledger) => {
    const proposal = await ledger.proposals.get(id);
    const who = decider(kind, flags, proposal);
    if ("refusal" in who) return refuse(flags, who.refusal.code, who.refusal.message);
    const request: DecisionRequest = {
      proposalId: id,
      decision: kind,
      actor: who.actor,
      ...(who.role !== undefined ? { role: who.role } : {}),
      ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
      establishedBy: who.establishedBy,
      ...(who.alsoKnownAs.length > 0 ? { alsoKnownAs: who.alsoKnownAs } : {}),
    };
    // Refuse before asking: there is no point confirming a decision that cannot be taken. A
    // proposal past its deadline is not refused here but handed to the ledger, which expires it.
    const early = decisionRefusal(proposal, request);
    if (early && early.code !== "EXPIRED") return refuse(flags, early.code, early.message);

    const verb = kind === "approved" ? "Approve" : "Reject";
    if (!early) {
      if (!flags.yes && process.stdin.isTTY) {
        // Right above the question: model- and database-chosen text must not redraw what the person sees.
        process.stderr.write(formatDecisionPrompt(proposal!));
      }
      const as = `${who.actor}${who.role ? ` (role ${who.role})` : ""}${who.establishedBy === "self_declared" ? "" : `, ${ESTABLISHED_TEXT[who.establishedBy]}`}`;
      const answer = await confirm(`${verb} proposal ${id} as ${as}?`, flags.yes === true);
      if (answer === "no_terminal") {
        return refuse(flags, "CONFIRMATION_REQUIRED", `Not on a terminal, so there is no one to ask. Pass --yes to ${verb.toLowerCase()} proposal ${id} without a prompt.`);
      }
      if (answer === "no") return refuse(flags, "DECLINED", `Proposal ${id} was not ${kind}: you did not confirm. Nothing changed.`);
    }

    const result = await decideProposal(ledger, request, proposal);
    if (!result.ok) return refuse(flags, result.refusal.code, result.refusal.message);
    printDecision(result.decision, result.proposal, store, flags);
  }, flags);
}

function printDecision(decision: Decision, proposal: StoredProposal, store: StoreLocation, flags: DecideFlags): void {
  if (flags.json) {
    printJson({ ok: true, decision, proposal: { id: proposal.id, state: proposal.state, hash: proposal.hash } });
    return;
  }
  process.stdout.write(formatDecision(decision));
  if (decision.decision === "approved") {
    process.stdout.write(`Proposal ${proposal.id} is approved. Apply it with:\n  synapsor-runner apply --proposal ${proposal.id} --config <synapsor.runner.json> ${terminalSafe(storeFlag(store))}\n`);
  } else {
    process.stdout.write(`Proposal ${proposal.id} is rejected and can never be applied.\n`);
  }
}

function refuse(flags: { json?: boolean }, code: string, message: string): void {
  if (flags.json) printJson({ ok: false, error: { code, message } });
  else process.stderr.write(`synapsor-runner: ${terminalSafe(message)}\n`);
  process.exitCode = EXIT.invalid;
}

async function writebackJob(ledger: Ledger, id: string, store: StoreLocation, flags: { output: string; json?: boolean }): Promise<void> {
  // The same check apply makes before it runs anything: both records verify and the approval covers the proposal.
  const approved = await ledger.proposals.approval(id);
  if (!approved.ok) {
    const { code, message, state } = approved.refusal;
    if (code === "APPROVAL_REQUIRED") {
      throw new CliError(`Proposal ${id} is ${terminalSafe(String(state))}; only an approved proposal has a writeback job.` +
        (state === "review_required" ? ` Approve it first: synapsor-runner proposals approve ${id} ${storeFlag(store)} --actor <name>` : ""));
    }
    throw new CliError(`${terminalSafe(message)} No job was written.`);
  }
  const { proposal, approval } = approved;
  const lapsed = approvalWindowRefusal(proposal, approval, new Date());
  if (lapsed) throw new CliError(`${terminalSafe(lapsed.message)} No job was written.`);
  let request;
  try {
    request = buildWritebackRequest(proposal, approval, new Date().toISOString());
  } catch (err) {
    if (err instanceof WritebackRequestError) throw new CliError(`${err.message}. No job was written.`);
    throw err;
  }
  const check = checkWritebackJob(request);
  if (!check.ok) {
    // Our own builder disagreeing with our published schema is a bug, not user input.
    throw new CliError(`The job for ${id} does not match schemas/writeback-job.v1.schema.json:\n  ${check.errors.join("\n  ")}`, EXIT.environment);
  }
  writeFileAtomically(flags.output, JSON.stringify(request, null, 2) + "\n");
  if (flags.json) printJson({ ok: true, proposalId: id, output: flags.output, idempotencyKey: request.idempotency_key, state: proposal.state });
  else {
    process.stdout.write(textLines([
      `Wrote the writeback job for ${id} (${proposal.state}) to ${flags.output}; idempotency key ${request.idempotency_key}.`,
      `Apply it with: synapsor-runner apply --job ${flags.output} --config <synapsor.runner.json> ${storeFlag(store)}`,
    ]));
  }
}
