// .env.example: every environment variable a config names, each with a line saying what belongs
// in it. Names only: the values are the operator's to fill in (in .env, which is never written
// by init and should never be committed), so no secret can reach a generated file.

import type { Contract } from "../../compiler/config/contract.ts";
import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV } from "../../compiler/config/contract.ts";

export interface NamedVariable {
  name: string;
  purpose: string;
}

/** Every variable the contract names, in the order a reader meets them, each once. */
export function contractVariables(contract: Contract): NamedVariable[] {
  const out: NamedVariable[] = [];
  const add = (name: string | undefined, purpose: string) => {
    if (name !== undefined && !out.some((v) => v.name === name)) out.push({ name, purpose });
  };
  for (const [source, config] of Object.entries(contract.sources)) {
    add(config.read_url_env, `${config.engine} URL for source '${source}', for a user that can only read (SELECT).`);
    add(config.write_url_env, `${config.engine} URL for source '${source}', for a different user allowed to UPDATE the tables proposals change (used when an approved change is applied).`);
  }
  const tenantColumns = [...new Set(contract.capabilities.map((c) => c.target.tenant_key))].join(", ");
  add(contract.trusted_context?.values?.tenant_id_env ?? DEFAULT_TENANT_ENV, `The tenant this server may see: a value of ${tenantColumns || "the tenant column"}. Set by you, never by the model.`);
  add(contract.trusted_context?.values?.principal_env ?? DEFAULT_PRINCIPAL_ENV, "Who the server acts for (a user or service name), recorded on every proposal and read.");
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type === "http_handler") {
      add(executor.url_env, `URL of your app's writeback handler (executor '${name}').`);
      if (executor.auth) add(executor.auth.token_env, `Bearer token your handler expects (executor '${name}').`);
      add(executor.signing_secret_env, `Secret the job is signed with (executor '${name}').`);
    } else if (executor.type === "command_handler") {
      add(executor.command_env, `Command line that runs your app's writeback handler (executor '${name}').`);
    }
  }
  add(contract.storage?.ledger_key_env, "Key that seals the ledger's records (at least 32 characters).");
  return out;
}

export function envExampleText(variables: readonly NamedVariable[]): string {
  const lines = [
    "# Environment variables synapsor.runner.json names. Copy this file to .env, fill in the values,",
    "# and keep .env out of version control. The MCP client snippets load .env with Node's --env-file.",
  ];
  for (const v of variables) lines.push("", `# ${v.purpose}`, `${v.name}=`);
  return lines.join("\n") + "\n";
}

/** For --append: the variables an existing .env.example lacks, added at its end, its own lines kept. */
export function extendEnvExample(existing: string, variables: readonly NamedVariable[]): string | undefined {
  const present = new Set([...existing.matchAll(/^\s*#?\s*([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
  const missing = variables.filter((v) => !present.has(v.name));
  if (missing.length === 0) return undefined;
  const added = missing.map((v) => `\n# ${v.purpose}\n${v.name}=`).join("\n");
  return `${existing.replace(/\n*$/, "\n")}${added}\n`;
}
