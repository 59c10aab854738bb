// `synapsor-runner mcp config CLIENT` and `mcp instructions`: what to paste into an MCP client
// (JSON only on stdout) and the instruction block for the agent. Neither connects to anything,
// and neither prints a value of any variable: snippets hold paths and variable names only.

import { Argument, Option, type Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Contract } from "../compiler/config/contract.ts";
import { configStoreLocation, type StoreLocation } from "../compiler/config/paths.ts";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { loadContract } from "../compiler/pipeline.ts";
import { CLIENT_KINDS, DEFAULT_HTTP_PORT, DEFAULT_HTTP_TOKEN_ENV, clientSnippet, type ClientKind } from "../operator/onboard/client-snippets.ts";
import { agentInstructions } from "../operator/onboard/instructions.ts";
import { explicitStoreLocation } from "../operator/review/store.ts";
import { DEFAULT_LEDGER_KEY_ENV } from "../runtime/ledger/keys/key-ring.ts";
import { terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { mcpGroup } from "./mcp.ts";
import { CliError, printJson } from "./program.ts";
import { envNameOrRefuse } from "./env-name.ts";

interface ConfigFlags {
  config: string;
  store?: string;
  storeUrlEnv?: string;
  envFile?: string;
  aliasMode?: "canonical" | "openai";
  relative?: boolean;
  port?: number;
  authTokenEnv?: string;
}

export function register(program: Command): void {
  const mcp = mcpGroup(program);
  mcp
    .command("config")
    .description("Print the MCP client configuration (JSON) that starts this config's server; secrets stay in the env file")
    .addArgument(new Argument("<client>", "the client the snippet is for").choices([...CLIENT_KINDS]))
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--store <path>", "the SQLite ledger the server and the reviewer's CLI share")
    .addOption(new Option("--store-url-env <VAR>", "instead of --store: the NAME of the variable holding the Postgres ledger's URL, defined in the env file (default: the config's storage.postgres_url_env)"))
    .option("--env-file <file>", "the env file the server loads with Node's --env-file (default: .env next to the config)")
    .addOption(new Option("--alias-mode <mode>", "function-safe tool names (openai-agents uses openai)").choices(["canonical", "openai"]))
    .option("--relative", "keep paths relative to the current directory (the client must start the server here)")
    .option("--port <port>", `openai-agents: the Streamable HTTP port (default ${DEFAULT_HTTP_PORT})`, portNumber)
    .option("--auth-token-env <VAR>", `openai-agents: the variable holding the bearer token (default ${DEFAULT_HTTP_TOKEN_ENV})`)
    .action((client: ClientKind, flags: ConfigFlags) => {
      const loaded = loadContract(flags.config);
      if (!loaded.ok) throw new CliError(`cannot read the config.\n${formatDiagnostics(flags.config, loaded.diagnostics)}`);
      const tokenEnv = flags.authTokenEnv !== undefined ? envNameOrRefuse("--auth-token-env", flags.authTokenEnv) : undefined;
      const store = snippetStore(flags, loaded.contract);
      const envFile = resolve(flags.envFile ?? resolve(flags.config, "..", ".env"));
      printJson(
        clientSnippet(client, {
          configPath: flags.config,
          store,
          envFile,
          ...(flags.aliasMode !== undefined ? { aliasMode: flags.aliasMode } : {}),
          ...(flags.relative ? { relative: true } : {}),
          ...(flags.port !== undefined ? { port: flags.port } : {}),
          ...(tokenEnv !== undefined ? { tokenEnv } : {}),
        }),
      );
      // The hints go to stderr: stdout stays pure JSON for `> file` and pipes.
      if (store.kind === "postgres") process.stderr.write(`synapsor-runner: ${terminalSafeLines(postgresStoreHint(store.urlEnv, loaded.contract, envFile))}\n`);
      if (!existsSync(envFile)) {
        process.stderr.write(`synapsor-runner: the server reads its secrets from ${terminalSafeLines(envFile)}, which does not exist yet: copy .env.example there and fill in the values.\n`);
      }
    });
  mcp
    .command("instructions")
    .description("Print a recommended instruction block for the agent: the tools, evidence first, propose but never approve or write")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .addOption(new Option("--alias-mode <mode>", "name the tools as a client in this alias mode sees them").choices(["canonical", "openai"]))
    .option("--json", "print { instructions, reads, proposals } as JSON")
    .action((flags: { config: string; aliasMode?: "canonical" | "openai"; json?: boolean }) => {
      const loaded = loadContract(flags.config);
      if (!loaded.ok) throw new CliError(`cannot read the config.\n${formatDiagnostics(flags.config, loaded.diagnostics)}`);
      const block = agentInstructions(loaded.contract, flags.aliasMode ?? "canonical");
      if (flags.json) printJson({ instructions: block.text, reads: block.reads, proposals: block.proposals });
      else process.stdout.write(terminalSafeLines(block.text.trimEnd()) + "\n");
    });
}

/** --store or --store-url-env as given, else the config's Postgres ledger; a SQLite file is never guessed. */
function snippetStore(flags: ConfigFlags, contract: Contract): StoreLocation {
  if (flags.store !== undefined || flags.storeUrlEnv !== undefined) return explicitStoreLocation(flags);
  const location = configStoreLocation(contract, flags.config);
  if (location.kind === "postgres") return location;
  throw new CliError(
    "Say which ledger the server writes: pass --store FILE (the SQLite ledger the server and the reviewer's CLI share) or --store-url-env VAR (the variable holding a Postgres ledger's URL), or name one in the config's storage.postgres_url_env.",
  );
}

/** The variables a client's env file must define for a server on a Postgres ledger (names only). */
function postgresStoreHint(urlEnv: string, contract: Contract, envFile: string): string {
  const keys = contract.mode === "review" ? ` and ${contract.storage?.ledger_key_env ?? DEFAULT_LEDGER_KEY_ENV} (the ledger keys, the same value on every server)` : "";
  return `the server writes the Postgres ledger whose URL is in ${urlEnv}: define ${urlEnv}${keys} in ${envFile}, the env file it loads.`;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new CliError(`--port must be a whole number from 1 to 65535.`);
  return n;
}
