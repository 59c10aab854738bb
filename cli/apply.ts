// `synapsor-runner apply`: the execution authority. Runs one approved proposal through its
// executor and prints the receipt. Exit 0 for applied / already_applied, 1 otherwise.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { applyProposal, type ApplyOutcome } from "../operator/apply/apply-proposal.ts";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { openLedger } from "../runtime/ledger/open.ts";
import { explicitStoreLocation, keySettings, openExistingLedger, openKeys, storeFlag, storeOption, storeUrlEnvOption, type StoreLocation } from "../operator/review/store.ts";
import { LedgerKeyError } from "../runtime/ledger/keys/key-ring.ts";
import { StoreUnavailableError } from "../runtime/ledger/store-error.ts";
import type { WritebackRequest } from "../runtime/executors/protocol.ts";
import { mutationLabel } from "../runtime/executors/receipts.ts";
import { textLines } from "../operator/review/format.ts";
import { checkWritebackJob } from "../operator/review/job-schema.ts";
import { terminalSafe } from "../runtime/text/terminal-safe.ts";
import { compileForCommand } from "./compiled.ts";
import { CliError, EXIT, printJson } from "./program.ts";

interface ApplyFlags {
  proposal?: string;
  job?: string;
  config: string;
  store?: string;
  storeUrlEnv?: string;
  schema?: string;
  fromEnv?: string;
  ledgerKeyEnv?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("apply")
    .description("Apply one approved proposal through its executor and print the receipt")
    .option("--proposal <id>", "the approved proposal")
    .option("--job <file>", "a job file written by `proposals writeback-job`")
    .requiredOption("--config <file>", "the contract the proposal was made under")
    .addOption(storeOption({ required: true, storeHelp: "the ledger (SQLite file)" }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--schema <file>", "schema snapshot to compile the capability against (default: build.schema_snapshot, else the live schema of the source's read URL)")
    .option("--from-env <VAR>", "env var holding a database URL: compile the capability against its live schema")
    .option("--ledger-key-env <VAR>", "the variable holding the ledger keys (default: the config's storage.ledger_key_env, else SYNAPSOR_LEDGER_KEY or the store's key file)")
    .option("--json", "print the receipt as JSON")
    .action(async (flags: ApplyFlags) => runApply(flags));
}

async function runApply(flags: ApplyFlags): Promise<void> {
  if (Boolean(flags.proposal) === Boolean(flags.job)) throw new CliError("Pass exactly one of --proposal ID or --job FILE.");
  const job = flags.job ? readJob(flags.job) : undefined;
  const proposalId = flags.proposal ?? job!.proposal_id;
  const store = explicitStoreLocation(flags);

  // Apply trusts only the build: the capability is compiled from the config and the schema now,
  // and the proposal is re-checked against that, not against what the ledger says.
  const compiled = await compileForCommand(flags.config, flags);

  let ledger: Ledger;
  try {
    // --ledger-key-env, else the contract's storage.ledger_key_env, else the store's default keys.
    const keyFlags = flags.ledgerKeyEnv ? { ledgerKeyEnv: flags.ledgerKeyEnv } : {};
    const keys = keySettings(store, keyFlags, compiled.contract);
    // A SQLite file is opened as it always was; a Postgres ledger must already exist (servers make it).
    ledger = store.kind === "sqlite" ? await openLedger({ path: store.path, keys: openKeys(keys) }) : await openExistingLedger(store, keys);
  } catch (err) {
    if (err instanceof StoreUnavailableError || err instanceof LedgerKeyError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
  let outcome: ApplyOutcome;
  try {
    outcome = await applyProposal({ contract: compiled.contract, plan: compiled.plan, ledger, proposalId, ...(job ? { job } : {}) });
  } catch (err) {
    // applyProposal answers every store fault with a value; anything else is a bug, and the operator
    // still gets a sentence and the way to check what happened, never a stack trace.
    const kind = err instanceof Error ? err.name : typeof err;
    throw new CliError(
      `INTERNAL: apply stopped on an unexpected error (${kind}). Check what happened with: synapsor-runner receipts reconcile --proposal ${proposalId} --config ${flags.config} ${storeFlag(store)}`,
      EXIT.environment,
    );
  } finally {
    await ledger.close().catch(() => undefined);
  }
  print(outcome, store, flags);
}

function print(outcome: ApplyOutcome, store: StoreLocation, flags: ApplyFlags): void {
  if (!outcome.ok) {
    const { refusal, receipt } = outcome;
    if (flags.json) printJson({ ok: false, error: { code: refusal.code, message: refusal.message }, ...(receipt ? { receipt } : {}) });
    else {
      process.stderr.write(`synapsor-runner: ${refusal.code}: ${terminalSafe(refusal.message)}\n`);
      if (receipt) process.stderr.write(textLines([`  the executor answered ${receipt.status}: ${receipt.message}`]));
    }
    process.exitCode = ENVIRONMENT_CODES.has(refusal.code) ? EXIT.environment : EXIT.invalid;
    return;
  }
  const { receipt, stored, source } = outcome;
  if (flags.json) {
    printJson({
      ...receipt,
      receipt_id: stored?.id ?? null,
      proposal_id: stored?.proposalId ?? flags.proposal ?? null,
      job_id: stored?.jobId ?? null,
      executor: stored?.executor ?? null,
      source,
    });
  } else {
    // The message and versions come from the executor (an app handler's reply): escaped like every receipt.
    const proposalId = stored?.proposalId ?? flags.proposal ?? "";
    process.stdout.write(textLines([
      `${receipt.status}: ${receipt.message}`,
      stored
        ? `  proposal ${stored.proposalId}, receipt ${stored.id}${source === "ledger" ? ` (on record: ${stored.receipt.status})` : ""}, executor ${stored.executor.name} (${stored.executor.type})`
        : `  proposal ${proposalId}`,
      ...(source === "target_receipt" ? ["  recorded from the target database's receipt table: an earlier run wrote it; nothing was written again"] : []),
      `  rows affected ${receipt.rows_affected}; source database changed: ${mutationLabel(receipt.source_database_mutated)}`,
      ...(receipt.previous_version !== null || receipt.new_version !== null
        ? [`  version ${JSON.stringify(receipt.previous_version)} → ${JSON.stringify(receipt.new_version)}`]
        : []),
      ...(receipt.safe_error_code ? [`  code ${receipt.safe_error_code}`] : []),
      `  replay: synapsor-runner replay show ${proposalId} ${storeFlag(store)}`,
    ]));
  }
  if (receipt.status !== "applied" && receipt.status !== "already_applied") process.exitCode = EXIT.invalid;
}

/** Refusals that mean the environment failed (the store), not that the input was wrong. */
const ENVIRONMENT_CODES: ReadonlySet<string> = new Set(["STORE_UNAVAILABLE", "RECEIPT_NOT_RECORDED"]);

function readJob(path: string): WritebackRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new CliError(`${path} is not a readable JSON job file; write one with \`synapsor-runner proposals writeback-job ID --output ${path}\`.`);
  }
  const check = checkWritebackJob(parsed);
  if (!check.ok) {
    throw new CliError(
      `${path} is not a valid writeback job; nothing was applied:\n  ${check.errors.join("\n  ")}\n` +
        `Write it again with \`synapsor-runner proposals writeback-job ID --output ${path}\` and apply that, or apply with --proposal ID.`,
    );
  }
  return check.request;
}
