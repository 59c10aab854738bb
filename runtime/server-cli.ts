// The compiled server's own command line: `serve`, `tools`, `version`.
// Start-up problems (missing env vars, an unusable store) stop the server with a clear
// message before it accepts a single request.

import { parseArgs } from "node:util";
import { createCapabilityHost, describeTool, type AliasMode } from "./capability-host.ts";
import type { CallEnvironment } from "./calls/call-context.ts";
import type { HttpJwtSettings } from "./auth/settings.ts";
import { credentialContextMessage, trustedContextFromEnv, type TrustedContext } from "./context.ts";
import type { Adapter } from "./db/adapter.ts";
import { classifyDatabaseError, operatorHint } from "./db/classify.ts";
import { sourceFailureCategory, watchSourceHealth } from "./db/source-health.ts";
import { openAdapter } from "./db/index.ts";
import { deferredAdapter } from "./db/deferred-adapter.ts";
import { createRefusingHost } from "./refusing-host.ts";
import { LedgerKeyError } from "./ledger/keys/key-ring.ts";
import { openKeyRing } from "./ledger/keys/open-key-ring.ts";
import { openLedger } from "./ledger/open.ts";
import { DEFAULT_DURABILITY } from "./ledger/durability.ts";
import { acquireLease, leasePath, type HeldLease } from "./ledger/lease.ts";
import { fileProblem, StoreUnavailableError } from "./ledger/store-error.ts";
import { DEFAULT_HTTP_MAX_CONNECTIONS, startHttpServer } from "./mcp/http.ts";
import { createReadiness, plannedStatements } from "./health/readiness.ts";
import { healthRoutes } from "./health/routes.ts";
import { DEFAULT_POOL_SIZE } from "./db/rows.ts";
import { chooseServerStore } from "./server-store.ts";
import { createMcpServerCore, type McpServerCore } from "./mcp/protocol.ts";
import { serveStdio } from "./mcp/stdio.ts";
import type { ToolHost } from "./mcp/host.ts";
import type { ServerDefinition } from "./server-definition.ts";
import { endQuietlyWhenStdoutCloses } from "./closed-stdout.ts";
import { terminalSafe } from "./text/terminal-safe.ts";
import { metricsForServer } from "./metrics/for-server.ts";
import { instrumentHost, instrumentLedger } from "./metrics/instrument.ts";
import { metricsRoute, metricsServingFrom, startMetricsServer } from "./metrics/endpoint.ts";
import { createLog, logRequests, parseLogLevel } from "./metrics/log.ts";
import { ServerLimits } from "./limits/server-limits.ts";
import { nodeMemoryFlags, steerYoungGeneration } from "./node-settings.ts";

const USAGE = `Usage: node server.mjs <command> [options]

Commands:
  serve     Serve the compiled capabilities over MCP
  tools     List the tools this server exposes (what the model sees)
  version   Print the runner version and the config hash this server was built from

serve options:
  --transport stdio|http     stdio (default) or Streamable HTTP
  --store PATH               SQLite ledger file (default: the Postgres ledger in the variable the
                             config's storage.postgres_url_env names, else storage.sqlite_path,
                             found relative to this server.mjs as built next to its config)
  --store-url-env VAR        instead of --store: the Postgres ledger whose URL the environment
                             variable VAR holds (its name, never the URL); replicas and the review
                             commands' --store-url-env share it
  --host HOST                HTTP bind address (default 127.0.0.1)
  --port PORT                HTTP port (default 8766)
  --auth-token-env VAR       env var holding the HTTP bearer token (required for http unless the
                             contract sets trusted_context.http_jwt: then each request's JWT is verified)
  --allow-unauthenticated    serve HTTP without a bearer token (loopback only; for local testing)
  --allowed-origin ORIGIN    an Origin allowed to call the HTTP endpoint (repeatable)
  --allowed-host HOST:PORT   a Host header to accept, e.g. the name behind a proxy (repeatable;
                             replaces the default loopback names; guards against DNS rebinding)
  --alias-mode openai        function-safe tool names (billing__inspect_invoice)
  --pool-size N              database connections per source (default 8)
  --max-connections N        open HTTP connections at most (default 128; one more closes the
                             oldest idle one)
  --drain-timeout-ms N       on SIGTERM/SIGINT: how long calls in flight may finish
                             (default 10000, under 30000); exit 0 when they did, 1 when cut short
  --allow-concurrent-store   serve even when another server holds the store's lease
                             (<store>.lease.json); for deliberate local debugging only
  --metrics-token-env VAR    serve Prometheus metrics at /metrics on the HTTP port, for the
                             bearer token in VAR (not the MCP token)
  --metrics-port P           serve /metrics on 127.0.0.1:P instead (works with stdio too; with
                             --metrics-token-env, the token is required there as well)
  --log-level LEVEL          debug, info (default), warn or error: the least severe JSON log line
                             written to stderr
  --log-requests             one log line per MCP request (method, capability, outcome, duration,
                             request id; never arguments) at any level; debug implies it

tools options:
  --json                     print the tool list as JSON
  --alias-mode openai        show the names as an OpenAI-style client would see them

HTTP also answers GET /livez (the process) and GET /readyz (sources, ledger, planned
statements and, with http_jwt's key-set URL, that the key set was fetched) without the bearer
token; see docs/deployment.md.

Environment: the trusted tenant and principal come from the variables named in the config
(never from tool arguments); database URLs come from each source's read_url_env. The keys
that seal proposals come from storage.ledger_key_env (or SYNAPSOR_LEDGER_KEY) when set,
otherwise from the key file <store>.key (created on first use, mode 0600).
`;

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const POOL_CLOSE_GRACE_MS = 2_000;

const KNOWN_COMMANDS = new Set(["serve", "tools", "version"]);

/** `--help` or `-h` among a command's options (before a `--` that ends them). */
function asksForHelp(arg: string, index: number, args: readonly string[]): boolean {
  return (arg === "--help" || arg === "-h") && !args.slice(0, index).includes("--");
}

class StartupError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export async function runServerCli(def: ServerDefinition, argv: string[] = process.argv.slice(2)): Promise<void> {
  const [command, ...rest] = argv;
  try {
    // `serve --help` asks for the usage, not a server: a desktop client's config is often
    // written by trying the command by hand first.
    if (command !== undefined && KNOWN_COMMANDS.has(command) && rest.some(asksForHelp)) {
      process.stdout.write(USAGE);
      return;
    }
    switch (command) {
      case "serve":
        return await serve(def, rest);
      case "tools":
        endQuietlyWhenStdoutCloses();
        return listTools(def, rest);
      case "version":
        endQuietlyWhenStdoutCloses();
        return printVersion(def, rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return;
      default:
        throw new StartupError(`unknown command '${command}'.\n\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`synapsor server: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`synapsor server: ${err.message}\n\n${USAGE}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

function parseAliasMode(value: string | undefined): AliasMode {
  if (value === undefined || value === "canonical") return "canonical";
  if (value === "openai") return "openai";
  throw new StartupError(`--alias-mode must be 'openai' or 'canonical', not '${value}'.`);
}

function printVersion(def: ServerDefinition, argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { json: { type: "boolean" } }, strict: true });
  const info = {
    runner_version: def.runnerVersion,
    config: def.config.file,
    config_sha256: def.config.sha256,
    capabilities: def.capabilities.length,
    node: process.versions.node,
  };
  if (values.json) process.stdout.write(JSON.stringify(info, null, 2) + "\n");
  else process.stdout.write(`synapsor-runner ${info.runner_version} server for ${info.config} (sha256:${info.config_sha256})\n`);
}

function listTools(def: ServerDefinition, argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean" }, "alias-mode": { type: "string" } },
    strict: true,
  });
  const aliasMode = parseAliasMode(values["alias-mode"]);
  const tools = def.capabilities.map((c) => describeTool(c, aliasMode));
  if (values.json) {
    process.stdout.write(JSON.stringify({ tools }, null, 2) + "\n");
    return;
  }
  for (const t of tools) {
    // Every read, and only a read, is read-only (describeTool).
    const kind = t.annotations?.readOnlyHint === true ? "read" : "proposal (review only)";
    const args = Object.keys((t.inputSchema.properties as Record<string, unknown>) ?? {}).join(", ") || "none";
    process.stdout.write(`${t.name}  [${kind}]\n  args: ${args}\n  ${t.description}\n\n`);
  }
}

async function serve(def: ServerDefinition, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      transport: { type: "string", default: "stdio" },
      store: { type: "string" },
      "store-url-env": { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8766" },
      "auth-token-env": { type: "string" },
      "allow-unauthenticated": { type: "boolean" },
      "allowed-origin": { type: "string", multiple: true },
      "allowed-host": { type: "string", multiple: true },
      "alias-mode": { type: "string" },
      "pool-size": { type: "string", default: String(DEFAULT_POOL_SIZE) },
      "max-connections": { type: "string", default: String(DEFAULT_HTTP_MAX_CONNECTIONS) },
      "allow-concurrent-store": { type: "boolean" },
      "drain-timeout-ms": { type: "string", default: String(DEFAULT_DRAIN_TIMEOUT_MS) },
      "metrics-token-env": { type: "string" },
      "metrics-port": { type: "string" },
      "log-level": { type: "string" },
      "log-requests": { type: "boolean" },
    },
    strict: true,
  });
  const transport = values.transport;
  const poolSize = Number(values["pool-size"]);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 100) {
    throw new StartupError(`--pool-size must be a whole number from 1 to 100, not '${values["pool-size"]}'.`);
  }
  const maxConnections = Number(values["max-connections"]);
  if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 100_000) {
    throw new StartupError(`--max-connections must be a whole number from 1 to 100000, not '${values["max-connections"]}'.`);
  }
  if (transport !== "stdio" && transport !== "http") {
    throw new StartupError(`--transport must be 'stdio' or 'http', not '${transport}'.`);
  }
  const aliasMode = parseAliasMode(values["alias-mode"]);
  const drainTimeoutMs = parseDrainTimeout(values["drain-timeout-ms"]);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError(`--port must be a port number, not '${values.port}'.`);

  // --store is a SQLite file, --store-url-env a Postgres ledger; neither: the contract's ledger.
  const chosen = chooseServerStore({ store: values.store, storeUrlEnv: values["store-url-env"] }, def, process.env);
  if (!chosen.ok) throw new StartupError(chosen.message, 2);
  const ledgerStore = chosen.store;
  const storePath = ledgerStore.kind === "postgres" ? `postgres (${ledgerStore.urlEnv})` : ledgerStore.path;

  // With http_jwt, HTTP requests carry their own tenant and principal; the environment's are not used.
  const jwtSettings = transport === "http" ? def.trustedContext.httpJwt : undefined;
  const logLevel = parseLogLevel(values["log-level"]);
  if (logLevel === undefined) throw new StartupError(`--log-level must be debug, info, warn or error, not '${values["log-level"]}'.`);
  const metricsServing = metricsServingFrom({ tokenEnv: values["metrics-token-env"], port: values["metrics-port"] }, transport, process.env);
  if (!metricsServing.ok) throw new StartupError(metricsServing.message);

  const context = trustedContextFromEnv(def.trustedContext);
  if (jwtSettings === undefined && !context.ok && context.missing.length > 0) {
    throw new StartupError(
      `the trusted context is incomplete: set ${context.missing.join(" and ")} (the tenant and principal this server acts for).`,
    );
  }

  let jwtGate: Awaited<ReturnType<typeof prepareJwtGate>> | undefined;
  if (jwtSettings !== undefined) {
    if (values["auth-token-env"] !== undefined || values["allow-unauthenticated"]) {
      throw new StartupError(
        "this server verifies a JWT on every HTTP request (trusted_context.http_jwt); drop --auth-token-env and --allow-unauthenticated.",
      );
    }
    jwtGate = await prepareJwtGate(jwtSettings);
  }

  let authToken: string | undefined;
  if (transport === "http" && jwtSettings === undefined && !values["allow-unauthenticated"]) {
    const tokenEnv = values["auth-token-env"];
    if (!tokenEnv) throw new StartupError("HTTP needs a bearer token: pass --auth-token-env VAR naming the env var that holds it.");
    authToken = process.env[tokenEnv];
    if (!authToken) throw new StartupError(`environment variable ${tokenEnv} (the HTTP bearer token) is not set.`);
    if (authToken.length < 16) throw new StartupError(`the bearer token in ${tokenEnv} is shorter than 16 characters; use a long random value.`);
  }
  if (transport === "http" && values["allow-unauthenticated"] && !isLoopback(values.host)) {
    throw new StartupError("--allow-unauthenticated is only allowed on a loopback address (127.0.0.1, ::1, localhost).");
  }

  const urls = new Map<string, string>();
  for (const [name, source] of Object.entries(def.sources)) {
    const url = process.env[source.readUrlEnv];
    if (!url) throw new StartupError(`environment variable ${source.readUrlEnv} (read URL of source '${name}') is not set.`);
    urls.set(name, url);
  }

  const writeStderr = (line: string) => void process.stderr.write(line);
  const log = createLog(logLevel, writeStderr);
  // Plain `node server.mjs` has no memory flag: bound the young generation as the shebang's flag would.
  const steered = steerYoungGeneration(process.execArgv, process.env.NODE_OPTIONS);
  log({
    level: "debug",
    event: "node_runtime",
    node: process.version,
    memory_flags: nodeMemoryFlags(process.execArgv, process.env.NODE_OPTIONS),
    young_generation_steered: steered,
  });
  // A store deleted or replaced under the server is said once, here; the calls that fail after it
  // answer TEMPORARILY_UNAVAILABLE without a log line each.
  let storeLost = false;
  const onStoreLost = (message: string) => {
    storeLost = true;
    log({ level: "error", event: "store_lost", message });
  };
  // Servers built before storage.durability get the default, the setting that loses nothing.
  const durability = def.durability ?? DEFAULT_DURABILITY;
  let ledger;
  let lease: HeldLease | undefined;
  try {
    // The same keys the review CLI uses for this store: the contract's variable, else
    // SYNAPSOR_LEDGER_KEY, else the key file. A server that stores proposals makes (or checks)
    // the active key now, so a key problem stops it before it records anything; a read_only
    // server never seals, so it neither needs a key nor creates a key file.
    // A Postgres ledger is shared by replicas: a server that seals takes its keys from a variable
    // (never a key file per host: each would make its own key), and each server records itself in
    // the ledger instead of taking the file lease. A read_only one without the variable gets a key
    // held in memory, which it never uses.
    const onPostgres = ledgerStore.kind === "postgres";
    const keys = openKeyRing({
      storePath: onPostgres ? ":memory:" : storePath,
      envName: def.ledgerKeyEnv ?? null,
      envRequired: Boolean(def.ledgerKeyEnv) || (onPostgres && def.mode === "review"),
    });
    if (ledgerStore.kind === "postgres") {
      ledger = await openLedger({ postgres: { url: ledgerStore.url, urlEnv: ledgerStore.urlEnv }, keys });
      if (def.mode === "review") keys.active();
      // Removed again by ledger.close() on shutdown; a killed server's row goes stale instead.
      await ledger.registerServer!({ mode: def.mode, transport, runnerVersion: def.runnerVersion });
    } else {
      ledger = await openLedger({ path: storePath, keys, onStoreLost, durability });
      if (def.mode === "review") keys.active();
      lease = takeLease(storePath, def, transport, Boolean(values["allow-concurrent-store"]), log);
    }
  } catch (err) {
    await ledger?.close();
    if (err instanceof StoreUnavailableError) throw new StartupError(err.message, 2);
    if (err instanceof LedgerKeyError) throw new StartupError(err.message, 2);
    throw err;
  }

  // Each driver loads at the source check after the first turn (checkSourcesOnce) or at the first
  // call, not before the client's first requests are answered (runtime/db/deferred-adapter.ts).
  const adapters = new Map<string, Adapter>();
  for (const [name, source] of Object.entries(def.sources)) {
    const options = { url: urls.get(name)!, statementTimeoutMs: source.statementTimeoutMs, maxConnections: poolSize, readOnly: true };
    const adapter = deferredAdapter(source.engine, () => openAdapter(source.engine, options));
    adapters.set(name, watchSourceHealth(name, source.readUrlEnv, adapter, log));
  }
  const callLog = (event: Record<string, unknown>) => {
    if (!(storeLost && event.event === "ledger_write_failed")) log(event);
  };
  const hostOptions = { serverName: "synapsor-runner", version: def.runnerVersion, aliasMode };
  const { metrics, capabilityOf } = metricsForServer(def, aliasMode, ledger, adapters);
  const requestLog = values["log-requests"] || logLevel === "debug" ? createLog("debug", writeStderr) : undefined;
  /** The protocol core over a host, counted for /metrics and, when asked, logged one line per request. */
  const measuredCore = (host: ToolHost) => {
    const measured = createMcpServerCore(instrumentHost(host, capabilityOf, metrics));
    return requestLog ? logRequests(measured, capabilityOf, requestLog) : measured;
  };
  // One set of limits for the process: every core (one per caller over http_jwt) counts against it.
  const limits = def.limits ? new ServerLimits(def.limits, { log }) : undefined;
  const callEnvironment = (trusted: TrustedContext): CallEnvironment => ({
    adapters,
    ledger: instrumentLedger(ledger, metrics),
    context: trusted,
    log: callLog,
    ...(limits ? { limits } : {}),
  });
  const coreForContext = (trusted: TrustedContext) => measuredCore(createCapabilityHost(def.capabilities, callEnvironment(trusted), hostOptions));
  let host;
  if (jwtGate !== undefined) {
    // Every HTTP request is answered by the core of its verified caller; this one answers none.
    host = createRefusingHost(def.capabilities, REFUSED_CONTEXT_FOR_MODEL, hostOptions);
    checkSourcesOnce(def, adapters, log);
  } else if (!context.ok) {
    // A credential where the tenant or principal belongs: the server starts so the client learns why,
    // but every call is refused and the value is never used, echoed or logged.
    log({ level: "error", event: "trusted_context_refused", code: "CONFIGURATION_ERROR", message: credentialContextMessage(context.credentials) });
    host = createRefusingHost(def.capabilities, REFUSED_CONTEXT_FOR_MODEL, hostOptions);
  } else {
    host = createCapabilityHost(def.capabilities, callEnvironment(context.context), hostOptions);
    checkSourcesOnce(def, adapters, log);
  }
  const core = measuredCore(host);

  let closing = false;
  const shutdown = async (closeTransport: () => Promise<void>) => {
    if (closing) return;
    closing = true;
    await closeTransport().catch(() => undefined);
    // A pool waits for its checked-out connections; a call cut short by the drain may hold one for
    // its whole statement timeout, so the wait is bounded.
    await boundedWait(Promise.allSettled([...adapters.values()].map((a) => a.close())), POOL_CLOSE_GRACE_MS);
    await ledger.close().catch(() => undefined);
    lease?.release();
    log({ level: "info", event: "server_stopped" });
  };

  const metricsRouteOf = metricsServing.serving && metricsRoute(metrics, metricsServing.serving.token);
  if (metricsRouteOf && metricsServing.serving!.port !== undefined) {
    const metricsPort = metricsServing.serving!.port;
    try {
      const running = await startMetricsServer(metricsRouteOf, metricsPort);
      log({ level: "info", event: "metrics_started", url: running.url });
    } catch (err) {
      await shutdown(async () => undefined);
      throw listenFailure(err, "127.0.0.1", metricsPort, "--metrics-port");
    }
  }

  if (transport === "stdio") {
    log({ level: "info", event: "server_started", transport, store: storePath, durability, synchronous: ledger.synchronous, tools: def.capabilities.length });
    const drained = await drainStdioOnSignal(serveStdio(core), drainTimeoutMs, log);
    await shutdown(async () => undefined);
    // Cut short: a call may still hold a connection; its reply is lost either way, so end here.
    if (!drained) process.exit(1);
    return;
  }

  // Health for a load balancer (runtime/health/): outside the bearer gate, fixed words only.
  const readiness = createReadiness({
    adapters,
    ledgerWritable: () => ledger.checkWritable(),
    statements: plannedStatements(def.capabilities),
    // With http_jwt the environment's context is not used, so it cannot make the server unready.
    contextRefused: jwtGate === undefined && !context.ok,
    ...(jwtGate?.keySetFetched ? { keySetFetched: jwtGate.keySetFetched } : {}),
  });
  let server;
  try {
    server = await startHttpServer(core, {
      // Health, with http_jwt the protected resource metadata, and /metrics (its own token) when
      // it is not on a port of its own: all outside the bearer gate.
      extraRoutes: [
        ...healthRoutes(readiness),
        ...(jwtGate ? [jwtGate.metadataRoute] : []),
        ...(metricsRouteOf && metricsServing.serving!.port === undefined ? [metricsRouteOf] : []),
      ],
      host: values.host,
      port,
      path: "/mcp",
      maxConnections,
      ...(jwtGate
        ? { authenticate: jwtGate.authenticate(coreForContext) }
        : authToken
          ? { authToken }
          : { allowUnauthenticated: true }),
      ...(values["allowed-origin"] ? { allowedOrigins: values["allowed-origin"] } : {}),
      ...(values["allowed-host"] ? { allowedHosts: values["allowed-host"] } : {}),
    });
  } catch (err) {
    // The pools and the ledger are already open: close them so the process can exit.
    await shutdown(async () => undefined);
    throw listenFailure(err, values.host, port);
  }
  log({ level: "info", event: "server_started", transport, url: server.url, store: storePath, durability, synchronous: ledger.synchronous, tools: def.capabilities.length });
  const drained = await new Promise<boolean>((resolve) => {
    let stopping = false;
    const stop = () => {
      // Persistent listeners: a second signal during the drain changes nothing.
      if (stopping) return;
      stopping = true;
      // Readiness fails at once so the load balancer stops sending; calls in flight may finish.
      readiness.stop();
      log({ level: "info", event: "drain_started", in_flight_limit_ms: drainTimeoutMs });
      void server.drain(drainTimeoutMs).then((complete) => {
        if (!complete) log({ level: "warn", event: "drain_cut_short", message: `calls still running after --drain-timeout-ms ${drainTimeoutMs}` });
        return shutdown(() => server.close()).then(() => resolve(complete));
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  // Cut short: a call may still hold a database connection or socket, so the process ends here
  // rather than waiting for it (the pools, the ledger and the lease are already closed).
  if (!drained) process.exit(1);
}

/**
 * stdio's drain: on the first SIGTERM/SIGINT no new request is read (stdin is destroyed), calls in
 * flight finish and their replies are written, within the drain timeout. Resolves true when serving
 * ended with every call answered (also when the client closed stdin), false when the drain was cut short.
 */
function drainStdioOnSignal(served: Promise<void>, drainTimeoutMs: number, log: (event: Record<string, unknown>) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    void served.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
    let stopping = false;
    const stop = () => {
      // Persistent listeners: a second signal during the drain changes nothing.
      if (stopping) return;
      stopping = true;
      log({ level: "info", event: "drain_started", in_flight_limit_ms: drainTimeoutMs });
      process.stdin.destroy();
      timer = setTimeout(() => {
        log({ level: "warn", event: "drain_cut_short", message: `calls still running after --drain-timeout-ms ${drainTimeoutMs}` });
        resolve(false);
      }, drainTimeoutMs);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function boundedWait(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

/** --drain-timeout-ms: under 30 s, the usual grace period of supervisors before they kill. */
function parseDrainTimeout(value: string | undefined): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1 || ms >= 30_000) {
    throw new StartupError(`--drain-timeout-ms must be a whole number of milliseconds from 1 to 29999, not '${value}'.`);
  }
  return ms;
}

/**
 * The verifier for http_jwt, loaded only by an HTTP server that uses it (stdio never pays for
 * jose). A key or key-set URL that is missing or unusable stops the start with its variable's name.
 */
async function prepareJwtGate(settings: HttpJwtSettings) {
  const [{ createJwtVerifier, JwtConfigError }, { createJwtGate, resourceMetadataRoute }, { resourceMetadataFor }] = await Promise.all([
    import("./auth/jwt-verifier.ts"),
    import("./auth/http-gate.ts"),
    import("./auth/resource-metadata.ts"),
  ]);
  let verifier;
  try {
    verifier = createJwtVerifier(settings);
  } catch (err) {
    if (err instanceof JwtConfigError) throw new StartupError(err.message);
    throw err;
  }
  const metadata = resourceMetadataFor(settings, "/mcp");
  // Fetched once now, in the background: /readyz stays 503 until it succeeds; a failure here is
  // retried by readiness and by the first request, and says nothing more.
  const keySetFetched = verifier.keySetFetched;
  keySetFetched?.().catch(() => undefined);
  return {
    keySetFetched,
    metadataRoute: resourceMetadataRoute(metadata),
    authenticate: (coreForContext: (context: TrustedContext) => McpServerCore) => createJwtGate(verifier, metadata, coreForContext),
  };
}

/**
 * Writes this server into `<store>.lease.json` (an in-memory store has nobody to share it with).
 * Refused with a StartupError when another server holds it; released by the shutdown path, and
 * at exit for any path that skips it (an uncaught error): only a hard kill leaves a stale lease.
 */
function takeLease(
  storePath: string,
  def: ServerDefinition,
  transport: string,
  allowConcurrent: boolean,
  log: (event: Record<string, unknown>) => void,
): HeldLease | undefined {
  if (storePath === ":memory:") return undefined;
  let taken;
  try {
    taken = acquireLease(storePath, { mode: def.mode, transport, runner_version: def.runnerVersion }, { allowConcurrent });
  } catch (err) {
    const why = (err as { code?: unknown }).code === "EBUSY" ? "another process holds its lock file; try again" : fileProblem(err);
    throw new StartupError(`cannot write the store lease ${leasePath(storePath)}: ${why}.`, 2);
  }
  if (!taken.ok) throw new StartupError(taken.message, 2);
  for (const stale of taken.replaced) {
    // started_at comes from the file: escaped, so the log line cannot carry a control sequence to a terminal.
    log({ level: "warn", event: "stale_lease_replaced", pid: stale.pid, started_at: terminalSafe(stale.started_at) });
  }
  if (taken.replacedUnreadable) log({ level: "warn", event: "stale_lease_replaced", message: "the lease file was not readable as a lease" });
  process.once("exit", taken.lease.release);
  return taken.lease;
}

/** A listen failure an operator can fix (port taken, not allowed, address not local) as a StartupError; others as they are. */
function listenFailure(err: unknown, host: string, port: number, flag = "--port"): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const where = `port ${port} on ${host}`;
  if (code === "EADDRINUSE") return new StartupError(`${where} is in use; pass ${flag} with a free port, or stop the process that holds it.`);
  if (code === "EACCES") return new StartupError(`${where} may not be opened by this user; pass ${flag} with a port above 1023.`);
  if (code === "EADDRNOTAVAIL") return new StartupError(`${host} is not an address of this machine; pass --host with one of its addresses.`);
  return err;
}

const REFUSED_CONTEXT_FOR_MODEL =
  "The server's trusted context (tenant or principal) is misconfigured, so it answers no calls; an operator must fix it. The server log says which setting.";

/**
 * Checks each source's connection once, without delaying start-up (a database that is down must not
 * stop the server): a wrong login, database name, URL or session is logged (by the health watch,
 * runtime/db/source-health.ts) at start with what to fix; calls meanwhile answer with the
 * classified code (CONFIGURATION_ERROR for those), and the watch logs again only on a change.
 */
function checkSourcesOnce(def: ServerDefinition, adapters: ReadonlyMap<string, Adapter>, log: (event: Record<string, unknown>) => void): void {
  // After the first turn of the event loop: a client's first requests (initialize, tools/list),
  // already waiting on stdin, are answered before this connects and authenticates.
  setImmediate(() => {
    for (const [name, adapter] of adapters) verifySource(def, name, adapter, log);
  });
}

function verifySource(def: ServerDefinition, name: string, adapter: Adapter, log: (event: Record<string, unknown>) => void): void {
  adapter.verify().catch((err: unknown) => {
    // Failures of the source as a whole were just logged by the watch; anything else (a session
    // check the database refused for another reason) is said here, once.
    if (sourceFailureCategory(err) !== undefined) return;
    const { code } = classifyDatabaseError(err);
    log({ level: "error", event: "source_check_failed", source: name, code, message: operatorHint(err, def.sources[name]!.readUrlEnv) });
  });
}

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost";
}
