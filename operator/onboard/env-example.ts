// .env.example and .env.apply.example: every environment variable a config names, each with a
// line saying what belongs in it. Names only: the values are the operator's to fill in (in .env
// and .env.apply, never written by init and never to be committed), so no secret can reach a
// generated file.
//
// Two files, because the MCP server loads .env (the client snippets start it with Node's
// --env-file): whatever is in .env is in the process the model talks to. The write credential and
// the writeback handler's settings are needed only by `synapsor-runner apply`, so they live in
// .env.apply.example, for the shell or service that applies approved changes.
//
// A generated line is either a `#` comment or `NAME=`. Database text (table and column names) is
// never put in a comment, and every comment line still passes through commentSafe: a line break
// in a name from a config would otherwise start a real assignment (NODE_OPTIONS=...) in a file
// Node loads.

import type { Contract } from "../../compiler/config/contract.ts";
import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV } from "../../compiler/config/contract.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { DEFAULT_HTTP_TOKEN_ENV } from "./client-snippets.ts";

export const ENV_EXAMPLE_FILE = ".env.example";
export const APPLY_ENV_EXAMPLE_FILE = ".env.apply.example";

export interface NamedVariable {
  name: string;
  purpose: string;
  /** "server": the MCP server reads it (.env.example); "apply": only `apply` does (.env.apply.example). */
  scope: "server" | "apply";
}

/** Every variable the contract names, in the order a reader meets them, each once. */
export function contractVariables(contract: Contract): NamedVariable[] {
  const out: NamedVariable[] = [];
  const add = (name: string | undefined, purpose: string, scope: NamedVariable["scope"] = "server") => {
    if (name !== undefined && !out.some((v) => v.name === name)) out.push({ name, purpose, scope });
  };
  for (const [source, config] of Object.entries(contract.sources)) {
    add(config.read_url_env, `${config.engine} URL for source '${source}', for a user that can only read (SELECT).`);
  }
  add(contract.trusted_context?.values?.tenant_id_env ?? DEFAULT_TENANT_ENV, "The tenant this server may see: a value of the tenant column named in synapsor.runner.json. Set by you, never by the model.");
  add(contract.trusted_context?.values?.principal_env ?? DEFAULT_PRINCIPAL_ENV, "Who the server acts for (a user or service name), recorded on every proposal and read.");
  add(contract.storage?.ledger_key_env, "Key that seals the ledger's records (at least 32 characters). apply needs it too.");
  add(DEFAULT_HTTP_TOKEN_ENV, "Bearer token clients must send; needed only when serving over Streamable HTTP (mcp serve-streamable-http).");
  for (const [source, config] of Object.entries(contract.sources)) {
    add(config.write_url_env, `${config.engine} URL for source '${source}', for a different user allowed to UPDATE the tables proposals change (used when an approved change is applied).`, "apply");
  }
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type === "http_handler") {
      add(executor.url_env, `URL of your app's writeback handler (executor '${name}').`, "apply");
      if (executor.auth) add(executor.auth.token_env, `Bearer token your handler expects (executor '${name}').`, "apply");
      add(executor.signing_secret_env, `Secret the job is signed with (executor '${name}').`, "apply");
    } else if (executor.type === "command_handler") {
      add(executor.command_env, `Command line that runs your app's writeback handler (executor '${name}').`, "apply");
    }
  }
  return out;
}

/** One comment line: every control, line break, bidi and invisible character shown as its escape, so it stays one comment. */
export function commentSafe(text: string): string {
  return `# ${terminalSafe(text)}`;
}

function assignment(name: string): string {
  // A config's env names are checked when it is built; this keeps a bad one from forging a line here.
  return `${terminalSafe(name)}=`;
}

const SERVER_HEADER = [
  "Environment variables the MCP server for synapsor.runner.json reads. Copy this file to .env, fill in the values,",
  "and keep .env out of version control. The MCP client snippets load .env with Node's --env-file.",
  `Variables only \`synapsor-runner apply\` needs (the write URL, handler settings) are in ${APPLY_ENV_EXAMPLE_FILE}, never here.`,
];

const APPLY_HEADER = [
  "Variables only `synapsor-runner apply` needs. Export these only in the shell or service that runs",
  "`synapsor-runner apply` (it needs the read URL and ledger key from .env too), never in the .env",
  "the MCP server loads: whatever that file holds is in the process the model talks to.",
  "Copy this file to .env.apply, fill in the values, keep it out of version control, and load it with",
  "set -a; . ./.env; . ./.env.apply; set +a",
];

function fileText(header: readonly string[], variables: readonly NamedVariable[]): string {
  const lines = header.map(commentSafe);
  for (const v of variables) lines.push("", commentSafe(v.purpose), assignment(v.name));
  return lines.join("\n") + "\n";
}

/** .env.example: the variables the MCP server reads. */
export function envExampleText(variables: readonly NamedVariable[]): string {
  return fileText(SERVER_HEADER, variables.filter((v) => v.scope === "server"));
}

/** .env.apply.example: the variables only apply reads; undefined when there are none (a read-only config). */
export function applyEnvExampleText(variables: readonly NamedVariable[]): string | undefined {
  const apply = variables.filter((v) => v.scope === "apply");
  return apply.length === 0 ? undefined : fileText(APPLY_HEADER, apply);
}

/** The variables an existing file lacks, added at its end, its own lines kept; undefined when none is missing. */
export function extendEnvExample(existing: string, variables: readonly NamedVariable[]): string | undefined {
  const present = new Set([...existing.matchAll(/^\s*#?\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]));
  const missing = variables.filter((v) => !present.has(v.name));
  if (missing.length === 0) return undefined;
  const added = missing.map((v) => `\n${commentSafe(v.purpose)}\n${assignment(v.name)}`).join("\n");
  return `${existing.replace(/\n*$/, "\n")}${added}\n`;
}
