// MCP client snippets: the JSON a client needs to start (or reach) this config's server. The
// server is started as `node --env-file <.env> <installed bin/synapsor-runner.js> mcp serve …`:
// the absolute path of this very package's launcher works for a global install, a project's
// node_modules and a checkout alike, without npx resolving (or downloading) anything from the
// client's own directory, and `--env-file` puts the secrets in a file the operator fills from
// .env.example. A snippet holds paths and variable names only, never a URL, password or token:
// a Postgres ledger is named by its variable (--store-url-env VAR), which the env file defines.

import { relative, resolve } from "node:path";
import { packageFile } from "../../compiler/package-root.ts";
import type { StoreLocation } from "../../compiler/config/paths.ts";

export const CLIENT_KINDS = ["generic", "claude-desktop", "cursor", "openai-agents"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const SERVER_NAME = "synapsor-runner";
export const DEFAULT_HTTP_PORT = 8766;
export const DEFAULT_HTTP_TOKEN_ENV = "SYNAPSOR_HTTP_TOKEN";

export interface SnippetInput {
  configPath: string;
  /** The ledger the server writes: a SQLite file, or the variable holding a Postgres ledger's URL. */
  store: StoreLocation;
  /** The env file the server loads (default: .env next to the config). */
  envFile?: string;
  aliasMode?: "canonical" | "openai";
  /** Paths as given, relative to the directory the client starts the server in. */
  relative?: boolean;
  /** Streamable HTTP (openai-agents): where the server listens and the variable holding its bearer token. */
  port?: number;
  tokenEnv?: string;
}

export interface ServerCommand {
  command: string;
  args: string[];
}

function paths(input: SnippetInput) {
  const config = resolve(input.configPath);
  const envFile = input.envFile !== undefined ? resolve(input.envFile) : resolve(config, "..", ".env");
  const shown = (p: string) => (input.relative ? relative(process.cwd(), p) || "." : p);
  const store = input.store.kind === "sqlite" ? ["--store", shown(resolve(input.store.path))] : ["--store-url-env", input.store.urlEnv];
  return { config: shown(config), store, envFile: shown(envFile), bin: shown(packageFile("bin/synapsor-runner.js")) };
}

/** The command that serves the config, for a client to start or for a person to run. */
export function serverCommand(input: SnippetInput, transport: "stdio" | "http"): ServerCommand {
  const p = paths(input);
  const args = ["--env-file", p.envFile, p.bin];
  if (transport === "stdio") args.push("mcp", "serve");
  else args.push("mcp", "serve-streamable-http", "--auth-token-env", input.tokenEnv ?? DEFAULT_HTTP_TOKEN_ENV, "--port", String(input.port ?? DEFAULT_HTTP_PORT));
  args.push("--config", p.config, ...p.store);
  if (input.aliasMode !== undefined && input.aliasMode !== "canonical") args.push("--alias-mode", input.aliasMode);
  // A desktop client starts servers with its own PATH; the absolute node is the one that ran this.
  return { command: input.relative ? "node" : process.execPath, args };
}

export function clientSnippet(kind: ClientKind, input: SnippetInput): Record<string, unknown> {
  if (kind === "openai-agents") return openAiAgentsSnippet({ ...input, aliasMode: input.aliasMode ?? "openai" });
  const server = serverCommand(input, "stdio");
  const entry: Record<string, unknown> = { command: server.command, args: server.args };
  // Cursor and the generic form name the transport; Claude Desktop's file has no such field.
  if (kind !== "claude-desktop") entry.type = "stdio";
  return { mcpServers: { [SERVER_NAME]: entry } };
}

function openAiAgentsSnippet(input: SnippetInput): Record<string, unknown> {
  const port = input.port ?? DEFAULT_HTTP_PORT;
  const tokenEnv = input.tokenEnv ?? DEFAULT_HTTP_TOKEN_ENV;
  return {
    transport: "streamable_http",
    url: `http://127.0.0.1:${port}/mcp`,
    auth: { type: "bearer", token_env: tokenEnv },
    tool_names: "openai",
    start_server: serverCommand({ ...input, port, tokenEnv }, "http"),
    note: `Start the server with start_server (it reads ${tokenEnv} and the database variables from the env file), then point MCPServerStreamableHttp at url with the header "Authorization: Bearer <the value of ${tokenEnv}>".`,
  };
}
