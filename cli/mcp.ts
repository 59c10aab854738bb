// `synapsor-runner mcp serve` and `mcp serve-streamable-http`: build the config into a
// cached server (reused while config, schema and runner version are unchanged) and run
// that exact server.mjs, so what runs here is what `build` would ship.
// In stdio mode stdout belongs to the MCP client: everything this command says goes to stderr.

import { Option, type Command } from "commander";
import { relative } from "node:path";
import { chosenStorePath } from "../compiler/config/paths.ts";
import type { Contract } from "../compiler/config/contract.ts";
import { formatDiagnostics, type Diagnostic } from "../compiler/diagnostics.ts";
import { loadContract } from "../compiler/pipeline.ts";
import { prepareServer } from "../operator/serve/prepare-server.ts";
import { privateServerCopy } from "../operator/serve/private-copy.ts";
import { runServerChild } from "../operator/serve/run-server-child.ts";
import { explicitStoreLocation, ledgerUrl, storeUrlEnvOption, type StoreLocation } from "../operator/review/store.ts";
import { schemaInputFromFlags } from "./build.ts";
import { terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { CliError, EXIT } from "./program.ts";

interface ServeFlags {
  config: string;
  store?: string;
  storeUrlEnv?: string;
  schema?: string;
  fromEnv?: string;
  aliasMode?: "canonical" | "openai";
  poolSize?: number;
  allowConcurrentStore?: boolean;
  drainTimeoutMs?: number;
}

export interface HttpFlags extends ServeFlags {
  /** Required unless the contract sets trusted_context.http_jwt (then refused: each request's JWT is verified). */
  authTokenEnv?: string;
  host?: string;
  port?: number;
  allowedOrigin?: string[];
  allowedHost?: string[];
  maxConnections?: number;
}

/** The `mcp` group, shared with any other `mcp …` command (client config snippets, …). */
export function mcpGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "mcp") ??
    program.command("mcp").description("Serve the compiled capabilities over MCP")
  );
}

function withBuildAndServeOptions(command: Command): Command {
  return command
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--store <path>", "SQLite ledger file (default: the Postgres ledger the config's storage.postgres_url_env names, else its storage.sqlite_path, relative to the config)")
    .addOption(storeUrlEnvOption())
    .option("--schema <file>", "schema snapshot to build against (default: build.schema_snapshot, else the live schema of the first source)")
    .option("--from-env <VAR>", "env var holding a database URL to build against")
    .addOption(new Option("--alias-mode <mode>", "function-safe tool names for clients that reject dots").choices(["canonical", "openai"]))
    .option("--pool-size <n>", "database connections per source (1-100, default 8)", wholeNumber("--pool-size", 1, 100))
    .option("--allow-concurrent-store", "serve even when another server holds the store's lease (<store>.lease.json); for deliberate local debugging only")
    .option(
      "--drain-timeout-ms <n>",
      "on SIGTERM/SIGINT: how long calls in flight may finish (default 10000, under 30000); exit 0 when they did, 1 when cut short",
      wholeNumber("--drain-timeout-ms", 1, 29_999),
    );
}

export function register(program: Command): void {
  const mcp = mcpGroup(program);
  withBuildAndServeOptions(mcp.command("serve").description("Build (or reuse the cached build of) the config and serve it over stdio")).action(
    async (flags: ServeFlags) => serveCached(flags, ["--transport", "stdio"]),
  );
  withStreamableHttpOptions(
    mcp
      .command("serve-streamable-http")
      .description("Build (or reuse the cached build of) the config and serve it over Streamable HTTP behind a bearer token (or, with trusted_context.http_jwt, a verified JWT per request)"),
  ).action(serveStreamableHttp);
}

/** The flags of `mcp serve-streamable-http`; `up --serve` takes the same. */
export function withStreamableHttpOptions(command: Command): Command {
  return withBuildAndServeOptions(command)
    .option("--auth-token-env <VAR>", "env var holding the bearer token clients must send (required unless the config sets trusted_context.http_jwt)")
    .option("--host <host>", "bind address (default 127.0.0.1)")
    .option("--port <port>", "port (default 8766)", wholeNumber("--port", 0, 65535))
    .option("--allowed-origin <origin>", "an Origin allowed to call the endpoint (repeatable)", collect)
    .option("--allowed-host <host:port>", "a Host header to accept, e.g. the name behind a proxy (repeatable; replaces the loopback defaults)", collect)
    .option("--max-connections <n>", "open HTTP connections at most (default 128; one more closes the oldest idle one)", wholeNumber("--max-connections", 1, 100_000));
}

/** Builds (or reuses) the server and serves it over Streamable HTTP until it exits. */
export async function serveStreamableHttp(flags: HttpFlags): Promise<void> {
  // Checked before a build that could take seconds; the server checks it again itself.
  const args = ["--transport", "http", ...httpAuthArgs(flags, usesHttpJwt(flags.config))];
  if (flags.host !== undefined) args.push("--host", flags.host);
  if (flags.port !== undefined) args.push("--port", String(flags.port));
  for (const origin of flags.allowedOrigin ?? []) args.push("--allowed-origin", origin);
  for (const host of flags.allowedHost ?? []) args.push("--allowed-host", host);
  if (flags.maxConnections !== undefined) args.push("--max-connections", String(flags.maxConnections));
  await serveCached(flags, args);
}

/**
 * Whether the config verifies a JWT per HTTP request. A config that does not load answers false:
 * the build that follows reports why, with its diagnostics.
 */
export function usesHttpJwt(configPath: string): boolean {
  const loaded = loadContract(configPath);
  return loaded.ok && loaded.contract.trusted_context?.http_jwt !== undefined;
}

/** The server's auth flags: the static token's variable, or none with http_jwt (where a token flag is refused, as the server does). */
function httpAuthArgs(flags: HttpFlags, httpJwt: boolean): string[] {
  if (httpJwt) {
    if (flags.authTokenEnv !== undefined) {
      throw new CliError(
        "this config verifies a JWT on every HTTP request (trusted_context.http_jwt); drop --auth-token-env (the key comes from the variable http_jwt names).",
      );
    }
    return [];
  }
  if (flags.authTokenEnv === undefined) {
    throw new CliError("HTTP needs a bearer token: pass --auth-token-env VAR naming the env var that holds it (or set trusted_context.http_jwt in the config).");
  }
  if (!process.env[flags.authTokenEnv]) {
    throw new CliError(`Environment variable ${flags.authTokenEnv} (the HTTP bearer token) is not set. Export a long random value and run again.`);
  }
  return ["--auth-token-env", flags.authTokenEnv];
}

async function serveCached(flags: ServeFlags, transportArgs: string[]): Promise<void> {
  const say = (line: string) => process.stderr.write(`synapsor-runner: ${terminalSafeLines(line)}\n`);
  // Checked before a build that could take seconds; the server checks them again itself.
  const explicitStore = flags.store !== undefined || flags.storeUrlEnv !== undefined ? explicitStoreLocation(flags) : undefined;
  if (explicitStore?.kind === "postgres") ledgerUrl(explicitStore.urlEnv);
  const fromFlags = schemaInputFromFlags(flags);

  const prepared = await prepareServer({ configPath: flags.config, ...(fromFlags ? { schema: fromFlags } : {}), say });
  if (!prepared.ok) return buildFailed(flags.config, prepared.stage, prepared.diagnostics);
  const { contract, server } = prepared;
  const where = relative(process.cwd(), server.dir) || ".";
  say(server.reused ? `using the cached build in ${where} (SHA-256 verified)` : `built ${flags.config} into ${where}`);

  const args = ["serve", ...transportArgs, ...serverStoreArgs(explicitStore, contract, flags.config)];
  if (flags.aliasMode !== undefined) args.push("--alias-mode", flags.aliasMode);
  if (flags.poolSize !== undefined) args.push("--pool-size", String(flags.poolSize));
  if (flags.allowConcurrentStore) args.push("--allow-concurrent-store");
  if (flags.drainTimeoutMs !== undefined) args.push("--drain-timeout-ms", String(flags.drainTimeoutMs));
  // The child runs the bytes that were verified, from a copy only this user can change.
  const copy = privateServerCopy(server.bytes);
  try {
    process.exitCode = await runServerChild(copy.path, args, { stdin: transportArgs.includes("stdio") });
  } finally {
    copy.remove();
  }
}

/**
 * The compiled server's store flags: --store-url-env as given; --store made absolute (the child runs
 * elsewhere); without either, a contract naming a Postgres ledger keeps it (the server reads
 * storage.postgres_url_env itself) and a SQLite one is passed as the absolute path next to the config.
 */
function serverStoreArgs(explicit: StoreLocation | undefined, contract: Contract, configPath: string): string[] {
  if (explicit?.kind === "postgres") return ["--store-url-env", explicit.urlEnv];
  if (explicit === undefined && contract.storage?.postgres_url_env !== undefined) return [];
  return ["--store", chosenStorePath(explicit?.path, contract, configPath)];
}

function buildFailed(configPath: string, stage: string, diagnostics: Diagnostic[]): void {
  process.stderr.write(`synapsor-runner: cannot serve, the build failed at ${stage}.\n${formatDiagnostics(configPath, diagnostics)}\n`);
  process.exitCode = diagnostics.some((d) => d.code === "DATABASE_UNREACHABLE") ? EXIT.environment : EXIT.invalid;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function wholeNumber(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new CliError(`${flag} must be a whole number from ${min} to ${max}, not '${value}'.`);
    return n;
  };
}
