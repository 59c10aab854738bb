// One capability called for real, before any MCP client is wired up: `smoke call` and the
// `start` wizard's first call.
//
// Same runtime as the server, literally: the config is built exactly as `mcp serve` builds it
// (operator/serve/prepare-server.ts, the same verified cache entry), that server.mjs is started
// over stdio and the MCP SDK's Client calls the tool. An in-process call would share the runtime
// modules but skip what the compiled bundle adds (its own copy of the runtime, the generated
// validators, the baked definition, start-up checks, the transport and the tool name mapping),
// so a smoke call that passed in-process could still fail when served.

import { storeName, type StoreLocation } from "../review/store.ts";
import { RECOMMENDED_NODE_FLAGS } from "../../compiler/bundle/node-flags.ts";
import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV, type CapabilityConfig, type Contract } from "../../compiler/config/contract.ts";
import { chosenStorePath } from "../../compiler/config/paths.ts";
import { formatDiagnostics } from "../../compiler/diagnostics.ts";
import { prepareServer } from "../serve/prepare-server.ts";
import { privateServerCopy } from "../serve/private-copy.ts";
import { checkArgs, readSmokeInput, SMOKE_INPUT_FILE } from "./smoke-input.ts";

export interface SmokeCallOptions {
  configPath: string;
  /** The ledger; relative to the working directory. Default: the config's store, next to the config. */
  storePath?: string;
  /** The variable holding a Postgres ledger's URL (instead of storePath); the server reads it. */
  storeUrlEnv?: string;
  /** Canonical or OpenAI-alias name. Default: smoke-input.json's tool, else the first read capability. */
  tool?: string;
  /** Default: smoke-input.json's args (when its tool is the one called), else {}. */
  args?: Record<string, unknown>;
  /** Values for this call only, over process.env (the trusted tenant and principal, typically). */
  env?: Record<string, string>;
  /** Progress and notices for the operator. */
  say?: (line: string) => void;
}

/** A JSON line the server wrote on stderr (its log), kept when it is a warning or an error. */
export type ServerLogLine = Record<string, unknown>;

export interface SmokeCallDone {
  called: true;
  /** The result envelope exactly as the MCP client received it. */
  envelope: Record<string, unknown>;
  /** The name the tool was called by (alias names are called in the server's openai alias mode). */
  toolName: string;
  capability: string;
  kind: CapabilityConfig["kind"];
  /** The SQLite ledger file, or for a Postgres ledger how it is named ("the Postgres ledger in VAR"). */
  storePath: string;
  /** The ledger the call was recorded in: what the printed review commands name. */
  store: StoreLocation;
  argsFrom: "flag" | "smoke-input" | "none";
  serverLog: ServerLogLine[];
}

export interface SmokeCallNotMade {
  called: false;
  /** invalid: the config, tool or arguments are wrong; environment: the server could not start or answer. */
  reason: "invalid" | "environment";
  message: string;
}

export type SmokeCallOutcome = SmokeCallDone | SmokeCallNotMade;

const notMade = (reason: SmokeCallNotMade["reason"], message: string): SmokeCallNotMade => ({ called: false, reason, message });

export async function runSmokeCall(options: SmokeCallOptions): Promise<SmokeCallOutcome> {
  const say = options.say ?? (() => undefined);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };

  const prepared = await prepareServer({ configPath: options.configPath, env, say });
  if (!prepared.ok) {
    const reason = prepared.diagnostics.some((d) => d.code === "DATABASE_UNREACHABLE") ? "environment" : "invalid";
    return notMade(reason, `the config did not build (stage ${prepared.stage}).\n${formatDiagnostics(options.configPath, prepared.diagnostics)}`);
  }
  const { contract, server } = prepared;

  let input;
  if (options.tool === undefined || options.args === undefined) {
    const read = readSmokeInput(options.configPath);
    if (!read.ok) return notMade("invalid", read.message);
    input = read.input;
  }
  const requested = options.tool ?? input?.tool;
  const chosen = chooseCapability(contract, requested);
  if (!chosen.ok) return notMade("invalid", chosen.message);
  const { capability, toolName, aliasMode } = chosen;
  // The file sits in the project, where anyone may plant it: it may pick a read tool, but a call
  // that records a proposal is made only when the operator names the tool.
  if (options.tool === undefined && input?.tool !== undefined && capability.kind !== "read") {
    return notMade(
      "invalid",
      `${SMOKE_INPUT_FILE} names ${capability.name}, which is not a read tool: a smoke call makes a proposal only when asked. Pass --tool ${capability.name} to call it, or leave --tool out for the first read tool.`,
    );
  }

  let args: Record<string, unknown> = {};
  let argsFrom: SmokeCallDone["argsFrom"] = "none";
  if (options.args !== undefined) {
    const problem = checkArgs(options.args);
    if (problem) return notMade("invalid", `The arguments ${problem.replace(/^has "args" that is /, "are ")}.`);
    args = options.args;
    argsFrom = "flag";
  } else if (input && (input.tool === undefined || sameCapability(input.tool, capability.name))) {
    args = input.args;
    argsFrom = "smoke-input";
  }

  const missing = missingContext(contract, env);
  if (missing.length > 0) {
    return notMade(
      "invalid",
      `The trusted context is not set: ${missing.join(" and ")} (the tenant and principal the call acts for). Export ${missing.length > 1 ? "them" : "it"} and run again, e.g. from .env.example.`,
    );
  }

  // --store-url-env names a Postgres ledger; without either flag a contract naming one is served
  // on it, as `mcp serve` does.
  const urlEnv = options.storeUrlEnv ?? (options.storePath === undefined ? contract.storage?.postgres_url_env : undefined);
  const store: StoreLocation = urlEnv !== undefined ? { kind: "postgres", urlEnv } : { kind: "sqlite", path: chosenStorePath(options.storePath, contract, options.configPath) };
  const storePath = storeName(store);
  const storeArgs = store.kind === "sqlite" ? ["--store", store.path] : options.storeUrlEnv !== undefined ? ["--store-url-env", options.storeUrlEnv] : [];
  // The SDK (and zod under it) takes ~0.4 s to load: only a smoke call pays for it, not every
  // command of the CLI that merely links this module.
  const [{ Client }, { StdioClientTransport }] = await Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/stdio.js"),
  ]);
  const copy = privateServerCopy(server.bytes);
  // One call and gone: checking a config beside the server that uses the same store is the point
  // of a smoke call, so it shares the store's lease instead of being refused by that server.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...RECOMMENDED_NODE_FLAGS, copy.path, "serve", "--transport", "stdio", ...storeArgs, "--alias-mode", aliasMode, "--pool-size", "1", "--allow-concurrent-store"],
    env: definedOnly(env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const client = new Client({ name: "synapsor-runner-smoke", version: "1.0.0" });
  try {
    try {
      await client.connect(transport);
    } catch {
      return notMade("environment", `the server did not start: ${startFailure(stderr)}`);
    }
    let result;
    try {
      result = await client.callTool({ name: toolName, arguments: args });
    } catch (err) {
      return notMade("environment", `the server did not answer the call: ${err instanceof Error ? err.message : String(err)}`);
    }
    const envelope = envelopeFrom(result);
    if (!envelope) return notMade("environment", "the server answered without a result envelope.");
    // The server logs a failing source as the call fails; its stderr may trail the answer.
    await client.close().catch(() => undefined);
    await streamEnded(transport.stderr, 2000);
    return { called: true, envelope, toolName, capability: capability.name, kind: capability.kind, storePath, store, argsFrom, serverLog: notableLogLines(stderr) };
  } finally {
    await client.close().catch(() => undefined);
    copy.remove();
  }
}

type Chosen = { ok: true; capability: CapabilityConfig; toolName: string; aliasMode: "canonical" | "openai" } | { ok: false; message: string };

/** By canonical or alias name; without a name, the first read capability (else the first one). */
export function chooseCapability(contract: Contract, requested: string | undefined): Chosen {
  const caps = contract.capabilities;
  if (requested === undefined) {
    const first = caps.find((c) => c.kind === "read") ?? caps[0];
    if (!first) return { ok: false, message: "The config has no capabilities to call." };
    return { ok: true, capability: first, toolName: first.name, aliasMode: "canonical" };
  }
  const canonical = caps.find((c) => c.name === requested);
  if (canonical) return { ok: true, capability: canonical, toolName: requested, aliasMode: "canonical" };
  const aliased = caps.find((c) => aliasOf(c.name) === requested);
  if (aliased) return { ok: true, capability: aliased, toolName: requested, aliasMode: "openai" };
  return {
    ok: false,
    message: `The config has no tool named '${requested}'. Its tools: ${caps.map((c) => c.name).join(", ")} (or their OpenAI-style names, e.g. ${aliasOf(caps[0]?.name ?? "ns.name")}).`,
  };
}

function aliasOf(name: string): string {
  return name.replace(/\./g, "__");
}

function sameCapability(name: string, canonical: string): boolean {
  return name === canonical || name === aliasOf(canonical);
}

function missingContext(contract: Contract, env: NodeJS.ProcessEnv): string[] {
  const values = contract.trusted_context?.values;
  return [values?.tenant_id_env ?? DEFAULT_TENANT_ENV, values?.principal_env ?? DEFAULT_PRINCIPAL_ENV].filter((name) => !env[name]);
}

function streamEnded(stream: { readableEnded?: boolean; once(event: "end" | "close", listener: () => void): unknown } | null, limitMs: number): Promise<void> {
  if (!stream || stream.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once("end", done);
    stream.once("close", done);
  });
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The server's own start-up message ("synapsor server: …"), else its last line. */
function startFailure(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const own = lines.find((l) => l.startsWith("synapsor server: "));
  return own?.slice("synapsor server: ".length) ?? lines.at(-1) ?? "it exited without a message";
}

function envelopeFrom(result: unknown): Record<string, unknown> | undefined {
  const r = result as { structuredContent?: unknown; content?: Array<{ type?: string; text?: string }> };
  if (r.structuredContent && typeof r.structuredContent === "object") return r.structuredContent as Record<string, unknown>;
  const text = r.content?.find((c) => c.type === "text")?.text;
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The server's warnings and errors (a source that failed its check, a ledger write that failed). */
function notableLogLines(stderr: string): ServerLogLine[] {
  const lines: ServerLogLine[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const event = JSON.parse(line) as ServerLogLine;
      if (event.level === "error" || event.level === "warn") lines.push(event);
    } catch {
      // not a log line
    }
  }
  return lines;
}
