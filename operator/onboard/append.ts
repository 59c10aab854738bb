// `init --append`: the new capabilities added to a config that already exists, keeping every
// part of it. The new table must be read through a source the config already has (same engine
// and read variable) and under the same trusted context; a tool name already taken is refused.

import { isDeepStrictEqual } from "node:util";
import type { CapabilityConfig, Contract, ExecutorConfig } from "../../compiler/config/contract.ts";
import type { SelectionProblem } from "./problems.ts";

export type AppendResult = { ok: true; contract: Contract; notes: string[] } | { ok: false; problems: SelectionProblem[] };

export function appendContract(existing: Contract, added: Contract): AppendResult {
  const problems: SelectionProblem[] = [];
  const notes: string[] = [];
  const [addedSourceName, addedSource] = Object.entries(added.sources)[0]!;
  const sameSource = Object.entries(existing.sources).find(([, s]) => s.read_url_env === addedSource.read_url_env);
  if (!sameSource) {
    const known = Object.entries(existing.sources).map(([n, s]) => `'${n}' (${s.engine}, ${s.read_url_env})`).join(", ");
    problems.push({
      field: "read_url_env",
      message: `The config reads from ${known}; the new capabilities would read through ${addedSource.read_url_env}.`,
      fix: `Run init --append with --from-env ${Object.values(existing.sources)[0]!.read_url_env} (the database the config already reads), or write a separate config with --out for the other database.`,
    });
  } else if (sameSource[1].engine !== addedSource.engine) {
    problems.push({
      field: "engine",
      message: `Source '${sameSource[0]}' is ${sameSource[1].engine}, but the new table was inspected from ${addedSource.engine}.`,
      fix: "Inspect the database the config already reads, or write a separate config with --out.",
    });
  } else if (addedSource.write_url_env !== undefined && sameSource[1].write_url_env !== undefined && sameSource[1].write_url_env !== addedSource.write_url_env) {
    problems.push({
      field: "write_url_env",
      message: `Source '${sameSource[0]}' already writes through ${sameSource[1].write_url_env}, not ${addedSource.write_url_env}.`,
      fix: `Pass --write-url-env ${sameSource[1].write_url_env}, or leave it out to use the config's own.`,
    });
  }

  const existingValues = existing.trusted_context?.values ?? {};
  const addedValues = added.trusted_context?.values ?? {};
  for (const [key, flag] of [["tenant_id_env", "--tenant-env"], ["principal_env", "--principal-env"]] as const) {
    if (existingValues[key] !== undefined && addedValues[key] !== existingValues[key]) {
      problems.push({
        field: key === "tenant_id_env" ? "tenant_env" : "principal_env",
        message: `The config takes the ${key === "tenant_id_env" ? "tenant" : "principal"} from ${existingValues[key]}, not ${addedValues[key]}; one server has one trusted context.`,
        fix: `Pass ${flag} ${existingValues[key]}, or leave it out.`,
      });
    }
  }

  const taken = new Set(existing.capabilities.map((c) => c.name));
  for (const capability of added.capabilities) {
    if (taken.has(capability.name)) {
      problems.push({
        field: capability.kind === "proposal" ? "proposal_tool" : "read_tool",
        message: `The config already has a tool named '${capability.name}'.`,
        fix: `Choose another name with ${capability.kind === "proposal" ? "--proposal-tool" : "--read-tool"} NAME, or another --namespace / --object-name.`,
      });
    }
  }
  if (problems.length > 0 || !sameSource) return { ok: false, problems };

  const sourceName = sameSource[0];
  const sources = structuredClone(existing.sources);
  if (addedSource.write_url_env !== undefined && sources[sourceName]!.write_url_env === undefined) {
    sources[sourceName]!.write_url_env = addedSource.write_url_env;
    notes.push(`source '${sourceName}' now also names the write variable ${addedSource.write_url_env}`);
  }
  const executors: Record<string, ExecutorConfig> = structuredClone(existing.executors ?? {});
  const renamed = new Map<string, string>();
  for (const [name, executor] of Object.entries(added.executors ?? {})) {
    const same = Object.entries(executors).find(([, e]) => isDeepStrictEqual(e, executor));
    if (same) {
      renamed.set(name, same[0]);
      continue;
    }
    let free = name;
    for (let n = 2; free in executors; n++) free = `${name}_${n}`;
    executors[free] = executor;
    renamed.set(name, free);
  }
  const capabilities: CapabilityConfig[] = added.capabilities.map((c) => {
    const moved = { ...structuredClone(c), source: c.source === addedSourceName ? sourceName : c.source };
    if (moved.kind === "proposal" && moved.executor !== undefined) moved.executor = renamed.get(moved.executor) ?? moved.executor;
    return moved;
  });
  const contract: Contract = {
    ...structuredClone(existing),
    mode: existing.mode === "review" || added.mode === "review" ? "review" : "read_only",
    sources,
    ...(Object.keys(executors).length > 0 ? { executors } : {}),
    capabilities: [...structuredClone(existing.capabilities), ...capabilities],
  };
  if (existing.mode !== contract.mode) notes.push("the config's mode is now review (it has a proposal tool)");
  return { ok: true, contract, notes };
}
