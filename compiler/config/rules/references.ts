// Cross-references: declared sources and executors, the contract mode, and write credentials.

import type { CapabilityConfig, Contract, ProposalCapabilityConfig } from "../contract.ts";
import { pointer } from "../../diagnostics.ts";
import { didYouMean, quoteList } from "../suggest.ts";
import type { Pointer, Report } from "./report.ts";

export function checkSources(contract: Contract, report: Report): void {
  for (const [name, source] of Object.entries(contract.sources)) {
    if (source.write_url_env !== undefined && source.write_url_env === source.read_url_env) {
      report(
        "SHARED_WRITE_CREDENTIAL",
        pointer("sources", name, "write_url_env"),
        `Source '${name}' uses ${source.read_url_env} for both reads and writes.`,
        "Point write_url_env at a separate variable holding a credential that only trusted apply uses; keep read_url_env read-only.",
      );
    }
  }
}

export function checkMode(contract: Contract, capability: CapabilityConfig, at: Pointer, report: Report): void {
  if (contract.mode === "read_only" && capability.kind === "proposal") {
    report(
      "PROPOSAL_IN_READ_ONLY_MODE",
      at("kind"),
      `Proposal capability '${capability.name}' is not allowed in mode "read_only".`,
      'Set "mode": "review" to allow proposals, or remove this capability.',
    );
  }
}

export function checkReferences(contract: Contract, capability: CapabilityConfig, at: Pointer, report: Report): void {
  const sources = Object.keys(contract.sources);
  if (!(capability.source in contract.sources)) {
    report(
      "UNKNOWN_SOURCE",
      at("source"),
      `Capability '${capability.name}' reads source '${capability.source}', which is not declared under sources.${didYouMean(capability.source, sources)}`,
      `Use one of ${quoteList(sources)} or declare the source.`,
    );
  }
  if (capability.kind === "proposal" && Object.keys(capability.preconditions ?? {}).length > 0) {
    const type = executorType(contract, capability);
    if (type !== undefined && type !== "sql_update") {
      report(
        "PRECONDITION_NEEDS_SQL_UPDATE",
        at("preconditions"),
        `Proposal '${capability.name}' has preconditions but is applied by the ${type} executor '${capability.executor}'; the runner's UPDATE enforces preconditions, an app-owned handler receives none.`,
        "Apply it with sql_update, or remove preconditions and have the handler check the row's state itself.",
      );
    }
  }
  if (capability.kind !== "proposal" || capability.executor === undefined) return;
  const executors = contract.executors ?? {};
  const executor = executors[capability.executor];
  if (!executor) {
    report(
      "UNKNOWN_EXECUTOR",
      at("executor"),
      `Proposal '${capability.name}' uses executor '${capability.executor}', which is not declared under executors.${didYouMean(capability.executor, Object.keys(executors))}`,
      `Use one of ${quoteList(Object.keys(executors))}, declare it, or remove "executor" for a direct sql_update.`,
    );
    return;
  }
  if (
    executor.type === "sql_update" &&
    executor.source !== undefined &&
    executor.source in contract.sources &&
    executor.source !== capability.source
  ) {
    report(
      "EXECUTOR_SOURCE_MISMATCH",
      at("executor"),
      `Proposal '${capability.name}' changes rows of source '${capability.source}' but executor '${capability.executor}' writes through source '${executor.source}'.`,
      "Use a sql_update executor for the same source, or drop the executor's source so it follows the proposal.",
    );
  }
}

/** Which executor type carries out a proposal; no executor means sql_update. */
function executorType(contract: Contract, proposal: ProposalCapabilityConfig): string | undefined {
  if (proposal.executor === undefined) return "sql_update";
  return contract.executors?.[proposal.executor]?.type;
}

export function checkWriteCredentials(contract: Contract, report: Report): void {
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type === "sql_update" && executor.source !== undefined && !(executor.source in contract.sources)) {
      report(
        "UNKNOWN_SOURCE",
        pointer("executors", name, "source"),
        `Executor '${name}' writes through source '${executor.source}', which is not declared under sources.${didYouMean(executor.source, Object.keys(contract.sources))}`,
        `Use one of ${quoteList(Object.keys(contract.sources))}.`,
      );
    }
  }
  const needsWrite = new Map<string, string[]>();
  for (const capability of contract.capabilities) {
    if (capability.kind !== "proposal" || !(capability.source in contract.sources)) continue;
    if (executorType(contract, capability) !== "sql_update") continue;
    needsWrite.set(capability.source, [...(needsWrite.get(capability.source) ?? []), capability.name]);
  }
  for (const [name, proposals] of needsWrite) {
    if (contract.sources[name]!.write_url_env !== undefined) continue;
    report(
      "MISSING_WRITE_CREDENTIAL",
      pointer("sources", name),
      `Source '${name}' has no write_url_env, but ${quoteList(proposals)} apply approved changes with sql_update through it.`,
      'Add "write_url_env" naming a variable with a write credential (different from read_url_env), or give those proposals an http_handler or command_handler executor.',
    );
  }
}
