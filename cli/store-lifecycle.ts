// `synapsor-runner store stats|vacuum|prune|reset|erase|verify`: the ledger's lifecycle, for a
// SQLite file (--store) or a Postgres ledger (--store-url-env; its steps are in store-postgres.ts).
// On SQLite, commands that destroy data refuse while a server holds the store's lease
// (runtime/ledger/lease.ts) unless --force; on Postgres only reset refuses, while servers have
// fresh heartbeat rows. prune and erase preview by default and act only with --yes.

import { resolve } from "node:path";
import type { Command } from "commander";
import { defaultStorePath } from "../compiler/config/paths.ts";
import { parseAge } from "../operator/store/age.ts";
import { guardEventChain } from "../operator/store/chain-guard.ts";
import { guardLease } from "../operator/store/lease-guard.ts";
import { requireStoreFile, withStoreFile } from "../operator/store/open.ts";
import { resetStore } from "../operator/store/reset.ts";
import { storeStats, type StoreStats } from "../operator/store/stats.ts";
import { verifyStore, type StoreVerification } from "../operator/store/verify.ts";
import { loadContractOrFail, storeLocation, storeName, withKeyOptions, withStoreOptions, type KeyFlags, type StoreLocation } from "../operator/review/store.ts";
import * as postgres from "./store-postgres.ts";
import { table, textLines } from "../operator/review/format.ts";
import { formatBytes } from "../operator/doctor/store.ts";
import { compactStore } from "../runtime/ledger/sqlite/lifecycle/compact.ts";
import { eraseTenant, type EraseResult } from "../runtime/ledger/sqlite/lifecycle/erase-tenant.ts";
import { pruneStore, type PruneResult } from "../runtime/ledger/sqlite/lifecycle/prune.ts";
import { CliError, EXIT, printJson } from "./program.ts";

interface StoreFlags {
  store?: string;
  storeUrlEnv?: string;
  config?: string;
  json?: boolean;
}

interface DestructiveFlags extends StoreFlags {
  yes?: boolean;
  force?: boolean;
}

interface PruneFlags extends DestructiveFlags {
  olderThan?: string;
  dryRun?: boolean;
}

interface EraseFlags extends DestructiveFlags {
  tenant: string;
}

const STORE_OPTION = "the ledger (SQLite file); default: the --config's storage.sqlite_path";
const CONFIG_OPTION = "the contract: its store, and for prune its storage.retention";

function withStore(command: Command): Command {
  return withStoreOptions(command, { storeHelp: STORE_OPTION }).option("--config <file>", CONFIG_OPTION);
}

export function registerLifecycle(store: Command): void {
  withStore(store.command("stats").description("Show the store's size, record counts, proposal states, time span, schema version and lease"))
    .option("--json", "print the numbers as one JSON object")
    .action((flags: StoreFlags) => stats(flags));

  withStore(store.command("vacuum").description("Rebuild the store without free pages and empty its write-ahead log (records are kept)"))
    .option("--json", "print { store, before, after } sizes as JSON")
    .action((flags: StoreFlags) => vacuum(flags));

  withStore(store.command("prune").description("Delete records older than an age, whole proposal chains at a time; previews unless --yes"))
    .option("--older-than <age>", "age such as 30d, 12h or 8w (default: the contract's storage.retention)")
    .option("--dry-run", "only show what would be deleted (the default)")
    .option("--yes", "delete")
    .option("--force", "delete even while a server holds the store's lease, or the event chain does not verify")
    .option("--json", "print what was (or would be) deleted as JSON")
    .action((flags: PruneFlags) => prune(flags));

  withStore(store.command("reset").description("Delete the store files (store, -wal, -shm, lease); the source database is never touched"))
    .option("--yes", "confirm the reset")
    .option("--force", "reset even while a server holds the store's lease")
    .option("--json", "print the removed files as JSON")
    .action((flags: DestructiveFlags) => reset(flags));

  withStore(store.command("erase").description("Erase one tenant's row values, arguments and parameters from the store (data-protection requests); previews unless --yes"))
    .requiredOption("--tenant <id>", "the tenant whose values are erased")
    .option("--yes", "erase")
    .option("--force", "erase even while a server holds the store's lease, or the event chain does not verify")
    .option("--json", "print what was (or would be) erased as JSON")
    .action((flags: EraseFlags) => erase(flags));

  withStoreOptions(withKeyOptions(store.command("verify").description("Check the event hash chain and the keyed MACs of every proposal and decision; exits 1 on a problem")), { storeHelp: STORE_OPTION })
    .option("--json", "print the report as JSON")
    .action((flags: StoreFlags & KeyFlags) => verify(flags));
}

/** The store the flags name: --store FILE, --store-url-env VAR, else --config's ledger. */
function locationOf(flags: StoreFlags): StoreLocation {
  if (flags.store === undefined && flags.storeUrlEnv === undefined && flags.config === undefined) {
    throw new CliError("Say which store: pass --store <file> (the ledger the server writes to), --store-url-env VAR (a Postgres ledger's URL variable) or --config <file> (its storage).");
  }
  const location = storeLocation(flags);
  if (location.kind === "sqlite" && flags.store === undefined && flags.config !== undefined) {
    return { kind: "sqlite", path: defaultStorePath(loadContractOrFail(flags.config), flags.config) };
  }
  return location.kind === "sqlite" ? { kind: "sqlite", path: resolve(location.path) } : location;
}


function say(lines: string[]): void {
  process.stdout.write(textLines(lines));
}

function warn(line: string | undefined): void {
  if (line) process.stderr.write(textLines([`synapsor-runner: ${line}`]));
}

async function stats(flags: StoreFlags): Promise<void> {
  const location = locationOf(flags);
  if (location.kind === "postgres") return postgres.stats(location.urlEnv, flags);
  const s = storeStats(location.path);
  if (flags.json) return printJson(s);
  say([`Store ${s.store} (schema version ${s.schema_version})`, `  file ${formatBytes(s.file_bytes)}, write-ahead log ${formatBytes(s.wal_bytes)}`, `  records from ${s.oldest ?? "—"} to ${s.newest ?? "—"}`, ""]);
  process.stdout.write(table(["RECORD", "COUNT"], Object.entries(s.records).map(([k, n]) => [k, String(n)])));
  const states = Object.entries(s.proposal_states);
  if (states.length > 0) process.stdout.write("\n" + table(["PROPOSAL STATE", "COUNT"], states.map(([k, n]) => [k, String(n)])));
  say(["", leaseLine(s.lease)]);
}

function leaseLine(lease: StoreStats["lease"]): string {
  if (lease.state === "none") return "Lease: none (no server is using the store).";
  if (lease.state === "unreadable") return `Lease: ${lease.file} is not a readable lease; the next server replaces it.`;
  const holders = lease.holders.map((h) => `pid ${h.pid} (${h.transport}, ${h.mode}, started ${h.started_at}, ${h.status})`).join("; ");
  return `Lease: ${lease.state}: ${holders}.`;
}

function vacuum(flags: StoreFlags): void {
  const location = locationOf(flags);
  if (location.kind === "postgres") return postgres.vacuum(location.urlEnv);
  const path = location.path;
  const before = storeStats(path);
  const result = withStoreFile(path, (db) => compactStore(db));
  const after = storeStats(path);
  const sizes = (s: StoreStats) => ({ file_bytes: s.file_bytes, wal_bytes: s.wal_bytes });
  if (flags.json) return printJson({ store: path, before: sizes(before), after: sizes(after), wal_truncated: result.walTruncated });
  say([
    `Vacuumed ${path}: ${formatBytes(before.file_bytes + before.wal_bytes)} → ${formatBytes(after.file_bytes + after.wal_bytes)} (file and write-ahead log).`,
    ...(result.walTruncated ? [] : ["The write-ahead log could not be emptied: another process is reading the store. Run vacuum again once it has stopped."]),
  ]);
}

async function prune(flags: PruneFlags): Promise<void> {
  if (flags.dryRun && flags.yes) throw new CliError("--dry-run and --yes contradict each other: preview with --dry-run (the default), then delete with --yes.");
  const location = locationOf(flags);
  const age = pruneAge(flags);
  const cutoff = new Date(Date.now() - age.ms).toISOString();
  const dryRun = !flags.yes;
  if (location.kind === "postgres") {
    const result = await postgres.prune(location.urlEnv, cutoff, dryRun, Boolean(flags.force));
    return showPrune(result, storeName(location), age.text, flags.json, "Postgres gives the space of deleted rows back to the tables by (auto)vacuum; nothing else to run.");
  }
  const path = location.path;
  requireStoreFile(path);
  if (!dryRun) warn(guardLease(path, "store prune", Boolean(flags.force)));
  const result = withStoreFile(path, (db) => {
    if (!dryRun) warn(guardEventChain(db, path, "store prune", Boolean(flags.force)));
    return pruneStore(db, cutoff, { dryRun });
  });
  showPrune(result, path, age.text, flags.json, "Run synapsor-runner store vacuum to give the freed space back to the file system.");
}

function showPrune(result: PruneResult, store: string, age: string, json: boolean | undefined, afterHint: string): void {
  if (json) return printJson({ store, older_than: age, ...toJson(result) });
  const { cutoff, dryRun } = result;
  const total = Object.values(result.deleted).reduce((a, b) => a + b, 0);
  say([`${dryRun ? "Would delete" : "Deleted"} from ${store} what is older than ${age} (before ${cutoff}):`]);
  process.stdout.write(table(["RECORD", "COUNT"], Object.entries(result.deleted).map(([k, n]) => [k, String(n)])));
  if (result.proposalIds.length > 0) say([`Proposal chains: ${result.proposalIds.slice(0, 20).join(", ")}${result.proposalIds.length > 20 ? ` and ${result.proposalIds.length - 20} more` : ""}.`]);
  say([
    "Kept whatever the cut-off does not reach, proposals waiting for review, approved or failed, and every chain with a part younger than the cut-off.",
    dryRun
      ? total === 0 ? "Nothing to delete." : "Nothing was deleted. Run again with --yes to delete."
      : afterHint,
  ]);
}

function pruneAge(flags: PruneFlags): { text: string; ms: number } {
  let text = flags.olderThan;
  let from = "--older-than";
  if (text === undefined && flags.config !== undefined) {
    text = loadContractOrFail(flags.config).storage?.retention;
    from = "storage.retention";
  }
  if (text === undefined) throw new CliError("Say how old records must be to go: pass --older-than (e.g. 30d), or --config with storage.retention set.");
  const ms = parseAge(text);
  if (ms === undefined) throw new CliError(`${from} must be a whole number of hours, days or weeks such as 12h, 30d or 8w, not '${text}'.`);
  return { text, ms };
}

function toJson(result: PruneResult): Record<string, unknown> {
  return { cutoff: result.cutoff, dry_run: result.dryRun, deleted: result.deleted, proposal_ids: result.proposalIds };
}

async function reset(flags: DestructiveFlags): Promise<void> {
  const location = locationOf(flags);
  if (location.kind === "postgres") return postgres.reset(location.urlEnv, flags);
  const path = location.path;
  requireStoreFile(path);
  if (!flags.yes) throw new CliError(`store reset deletes every record in ${path} (the source database is not touched). Run again with --yes to confirm.`);
  warn(guardLease(path, "store reset", Boolean(flags.force)));
  const removed = resetStore(path);
  if (flags.json) return printJson({ store: path, removed });
  say([`Removed ${removed.join(", ")}.`, "The next server or command that uses this path starts an empty store. The key file (if any) was kept."]);
}

async function erase(flags: EraseFlags): Promise<void> {
  const location = locationOf(flags);
  if (flags.tenant.length === 0) throw new CliError("--tenant needs the tenant id whose values to erase.");
  const dryRun = !flags.yes;
  if (location.kind === "postgres") {
    const result = await postgres.erase(location.urlEnv, flags.tenant, dryRun, Boolean(flags.force));
    if (flags.json) return printJson({ store: storeName(location), tenant: result.tenant, dry_run: dryRun, erased: result.erased });
    return show(result, storeName(location),
      "Ids, times and the tenant id remain. Postgres keeps the old row versions until (auto)vacuum reclaims them: run VACUUM on the synapsor_ledger tables as their owner to make that happen now. " +
        "Erased proposals can no longer be approved or applied.");
  }
  const path = location.path;
  requireStoreFile(path);
  if (!dryRun) warn(guardLease(path, "store erase", Boolean(flags.force)));
  const { result, walTruncated } = withStoreFile(path, (db) => {
    if (dryRun) return { result: eraseTenant(db, flags.tenant, { dryRun }), walTruncated: true };
    warn(guardEventChain(db, path, "store erase", Boolean(flags.force)));
    const result = eraseTenant(db, flags.tenant, { dryRun });
    return { result, walTruncated: compactStore(db, { secureDelete: true }).walTruncated };
  });
  if (flags.json) return printJson({ store: path, tenant: result.tenant, dry_run: dryRun, erased: result.erased, wal_truncated: walTruncated });
  show(result, path,
    "Ids, times and the tenant id remain; the file was rebuilt so no free page keeps an old value. Erased proposals can no longer be approved or applied.");
  if (!dryRun && !walTruncated) {
    throw new CliError("The values were erased, but the write-ahead log still holds old pages: another process is reading the store. Stop it and run store vacuum.", EXIT.environment);
  }
}

function show(result: EraseResult, store: string, done: string): void {
  say([`${result.dryRun ? "Would erase" : "Erased"} the values of tenant ${result.tenant} in ${store}:`]);
  process.stdout.write(table(["RECORD", "COUNT"], Object.entries(result.erased).map(([k, n]) => [k, String(n)])));
  say([
    result.dryRun
      ? "Nothing was changed. Run again with --yes to erase."
      : `${done} ` +
        "Files written by replay export or proposals writeback-job --output live outside the store: delete those yourself.",
  ]);
}

async function verify(flags: StoreFlags & KeyFlags): Promise<void> {
  const report = await verifyStore(locationOf(flags), flags);
  if (!report.ok) process.exitCode = EXIT.invalid;
  if (flags.json) return printJson(report);
  say(verificationLines(report));
}

function verificationLines(r: StoreVerification): string[] {
  const e = r.events;
  const lines = [
    `Events: ${e.chained} chained${e.legacy > 0 ? `, ${e.legacy} written before the chain existed` : ""}; ${e.problems.length === 0 ? "the chain verifies." : `${e.problems.length} problem(s):`}`,
    ...e.problems.map((p) => `  - ${p.message}`),
  ];
  for (const [label, c] of [["Proposals", r.proposals], ["Decisions", r.decisions]] as const) {
    lines.push(`${label}: ${c.verified} of ${c.checked} verify${c.erased > 0 ? `, ${c.erased} erased on request` : ""}${c.problems.length > 0 ? `; ${c.problems.length} do not:` : "."}`);
    lines.push(...c.problems.map((p) => `  - ${p.message}`));
  }
  lines.push(r.ok ? `Store ${r.store} verifies.` : `Store ${r.store} does NOT verify.`);
  return lines;
}
