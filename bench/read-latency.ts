// End-to-end read benchmark of a compiled server: the example is built into a temp dir and
// served over stdio and Streamable HTTP against a throwaway, seeded Postgres database, next to
// a raw `pg` prepared statement doing the same lookup. Every call writes its evidence and query
// audit, exactly as in production. Prints a table; see docs/performance.md for the method.
// Run: npm run bench   (npm run bench -- --peers: against Google's MCP Toolbox, see bench/peers.ts;
// BENCH_CPU_PROF=DIR also writes a .cpuprofile of each server process;
// BENCH_ONLY=stdio|http runs one transport only; BENCH_NODE_FLAGS adds node flags to the server;
// BENCH_AUTH=jwt serves HTTP with trusted_context.http_jwt, each call carrying an RS256 token;
// BENCH_DURABILITY=power_loss|process_crash sets the contract's storage.durability;
// BENCH_LEDGER=postgres writes the ledger to a second throwaway Postgres database through
// storage.postgres_url_env instead of a SQLite file; BENCH_ABLATE=ledger-commit measures a copy of
// the bundle whose reads skip the SQLite commit, to see what it costs: bench/lib/ablate.ts)

import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import pg from "pg";
import { RECOMMENDED_NODE_FLAGS } from "../compiler/bundle/node-flags.ts";
import { createPostgresDatabase, type TestDatabase } from "../test/support/databases.ts";
import { seedExample } from "../test/support/example.ts";
import { runCli } from "../test/support/cli.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../test/support/example.ts";
import { HttpRpcClient } from "./lib/http-client.ts";
import { cpuMs, memoryMiB } from "./lib/proc.ts";
import { parseAblation, placeBundle } from "./lib/ablate.ts";
import { formatTable, median, msSince, percentile, type TableRow } from "./lib/stats.ts";
import { StdioRpcClient } from "./lib/stdio-client.ts";
import { parseBenchArgs, wholeNumber } from "./lib/cli-args.ts";

const CLI = {
  name: "bench",
  usage: `Usage: npm run bench [-- --peers [options]]
   or: npx node bench/read-latency.ts [--peers [options]]

Without options: the compiled example over stdio and HTTP next to raw pg, against a throwaway,
seeded Postgres database, measured against the product's own targets (docs/performance.md);
about a minute.

  --peers      the bundle against Google's MCP Toolbox for Databases on the same lookup
               (npm run bench -- --peers --help for its options)
  -h, --help   this text

Environment:
  BENCH_ONLY=stdio|http         one transport only, raw figures (for profiling)
  BENCH_CPU_PROF=DIR            a .cpuprofile of each server process (bench/profile-summary.ts)
  BENCH_NODE_FLAGS="..."        the server's node flags instead of the shebang's ("" for none)
  BENCH_LOADED_CALLS=N          calls of the throughput phase (default 20000)
  BENCH_AUTH=jwt                HTTP with trusted_context.http_jwt, an RS256 token per call
  BENCH_DURABILITY=power_loss|process_crash   the contract's storage.durability
  BENCH_LEDGER=postgres         the ledger in a second throwaway Postgres database
  BENCH_ABLATE=ledger-commit    with BENCH_ONLY: a copy whose reads skip the ledger commit
  TEST_PG_ADMIN_URL             the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test)`,
};
/** --peers hands the other arguments to bench/peers.ts, which parses (and explains) its own. */
const ARGV = process.argv.slice(2);
const PEERS = ARGV.includes("--peers");
if (!PEERS) parseBenchArgs(CLI, {});

const SEQUENTIAL_CALLS = 2_000;
const WARMUP_CALLS = 2_000;
const LOADED_CALLS = wholeNumber(CLI, "BENCH_LOADED_CALLS", process.env.BENCH_LOADED_CALLS, 20_000);
const IN_FLIGHT = 16;
const COLD_STARTS = 10;
/** Every Nth response is parsed in full and checked field by field; all are checked for ok:true. */
const FULL_CHECK_EVERY = 50;

/** BENCH_ONLY=stdio|http measures one transport and prints raw figures (for profiling runs). */
const ONLY = process.env.BENCH_ONLY;
/** BENCH_LEDGER=postgres: the servers write their ledger to Postgres (no --store), else a SQLite file. */
const LEDGER_PG = process.env.BENCH_LEDGER === "postgres";
const ABLATION = ablationFromEnv();

/** BENCH_ABLATE, checked before anything is built: a usage error is one line and exit code 2. */
function ablationFromEnv() {
  try {
    const ablation = parseAblation(process.env.BENCH_ABLATE);
    // Only for raw single-transport figures: the full table states the product's targets, which an ablated copy is not.
    if (ablation && (LEDGER_PG || !ONLY)) throw new Error("BENCH_ABLATE=ledger-commit needs BENCH_ONLY=stdio|http and the SQLite ledger (not BENCH_LEDGER=postgres)");
    return ablation;
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    process.exit(2);
  }
}
/** The server's ledger flags: --store FILE for SQLite; nothing for Postgres (the contract names it). */
const storeArgs = (store: string): string[] => (LEDGER_PG ? [] : ["--store", store]);

const TENANT = "tenant_acme";
const INVOICES = ["INV-3001", "INV-3002", "INV-3003", "INV-3004", "INV-3005"];
const CALL_PARAMS = INVOICES.map((id) => `{"name":"billing.inspect_invoice","arguments":{"invoice_id":"${id}"}}`);
const INITIALIZE_PARAMS = `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}`;
/** HTTP auth: the static bearer token, or (BENCH_AUTH=jwt) a verified JWT per request. */
const JWT_MODE = process.env.BENCH_AUTH === "jwt";
let TOKEN = "bench-token-0123456789abcdef";
const jwtKeys = JWT_MODE ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : undefined;

type Call = (i: number) => Promise<string>;

/** Fails the run unless the response is a successful read of the invoice that was asked for. */
function checkResponse(text: string, i: number): void {
  if (!text.includes('"ok":true')) throw new Error(`call ${i} did not succeed: ${text.slice(0, 300)}`);
  if (i % FULL_CHECK_EVERY !== 0) return;
  const message = JSON.parse(text);
  const envelope = message.result?.structuredContent;
  const fromText = JSON.parse(message.result?.content?.[0]?.text ?? "null");
  const invoice = INVOICES[i % INVOICES.length];
  if (envelope?.ok !== true || envelope.data?.id !== invoice || fromText?.data?.id !== invoice) {
    throw new Error(`call ${i}: unexpected envelope ${text.slice(0, 300)}`);
  }
  if (typeof envelope.evidence?.bundle_id !== "string" || !envelope.evidence.bundle_id.startsWith("ev_")) {
    throw new Error(`call ${i}: no evidence handle in ${text.slice(0, 300)}`);
  }
}

async function sequential(call: Call, n: number, offset = 0): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = offset; i < offset + n; i++) {
    const start = process.hrtime.bigint();
    const text = await call(i);
    latencies.push(msSince(start));
    checkResponse(text, i);
  }
  return latencies;
}

/** Keeps `inFlight` calls outstanding until n have completed; returns the wall time in ms. */
async function loaded(call: Call, n: number, inFlight: number, offset = 0): Promise<number> {
  let next = offset;
  const end = offset + n;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < end) {
      const i = next++;
      checkResponse(await call(i), i);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return msSince(start);
}

interface ServerLoadResult {
  p50: number;
  p99: number;
  seqCpuUs: number;
  callsPerSecond: number;
  loadedCpuUs: number;
  rssAfterWarmup: number;
  rssAfterAll: number;
  callsTotal: number;
  peakRss: number;
}

/** The same phases for either transport: warm-up, sequential latency, then throughput under load. */
async function measureServer(pid: number, call: Call): Promise<ServerLoadResult> {
  await loaded(call, WARMUP_CALLS, IN_FLIGHT);
  const rssAfterWarmup = memoryMiB(pid, "VmRSS");
  let cpu = cpuMs(pid);
  const latencies = await sequential(call, SEQUENTIAL_CALLS, WARMUP_CALLS);
  const seqCpuUs = ((cpuMs(pid) - cpu) * 1000) / SEQUENTIAL_CALLS;
  cpu = cpuMs(pid);
  const wallMs = await loaded(call, LOADED_CALLS, IN_FLIGHT, WARMUP_CALLS + SEQUENTIAL_CALLS);
  const loadedCpuUs = ((cpuMs(pid) - cpu) * 1000) / LOADED_CALLS;
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    seqCpuUs,
    callsPerSecond: (LOADED_CALLS * 1000) / wallMs,
    loadedCpuUs,
    rssAfterWarmup,
    rssAfterAll: memoryMiB(pid, "VmRSS"),
    callsTotal: WARMUP_CALLS + SEQUENTIAL_CALLS + LOADED_CALLS,
    peakRss: memoryMiB(pid, "VmHWM"),
  };
}

function serverEnv(readUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    SUPPORT_DB_READ_URL: readUrl,
    SYNAPSOR_TENANT_ID: TENANT,
    SYNAPSOR_PRINCIPAL: "bench",
    BENCH_HTTP_TOKEN: TOKEN,
    ...(jwtKeys ? { BENCH_JWT_KEY: jwtKeys.publicKey.export({ type: "spki", format: "pem" }) as string } : {}),
  };
}

/**
 * Node flags of the measured server: by default the ones the product launches it with (the bundle's
 * shebang, `mcp serve`); BENCH_NODE_FLAGS replaces them ("" for plain `node server.mjs`).
 */
function serverFlags(): string[] {
  const override = process.env.BENCH_NODE_FLAGS;
  return override === undefined ? [...RECOMMENDED_NODE_FLAGS] : override.split(" ").filter(Boolean);
}

/** Server flags plus, for profiling runs, a CPU profile. */
function nodeArgs(tag: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  const flags = serverFlags();
  return dir ? [...flags, "--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${tag}-${Date.now()}.cpuprofile`] : flags;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

async function coldStart(serverPath: string, cwd: string, env: NodeJS.ProcessEnv, store: string): Promise<number> {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [...serverFlags(), serverPath, "serve", "--transport", "stdio", ...storeArgs(store)], {
    cwd,
    env,
    stdio: ["pipe", "pipe", "ignore"],
  });
  const client = new StdioRpcClient(child);
  // What a client does on connect; the answer to tools/list is the moment the server is usable.
  const init = client.request("initialize", INITIALIZE_PARAMS);
  client.notify("notifications/initialized");
  const list = await client.request("tools/list", "{}");
  const elapsed = msSince(start);
  await init;
  if (!list.includes('"tools"')) throw new Error(`tools/list failed: ${list.slice(0, 300)}`);
  child.stdin!.end();
  await exited(child);
  return elapsed;
}

/** The floor: the same lookup through `pg` alone, with the client's own CPU per call (this process). */
async function rawPg(url: string): Promise<{ p50: number; callsPerSecond: number; cpuUs: number }> {
  const statement = {
    name: "bench_invoice",
    text: `SELECT "id", "tenant_id", "customer_id", "amount_cents", "late_fee_cents", "status", "waiver_reason", "due_at", "updated_at" FROM "public"."invoices" WHERE "id" = $1 AND "tenant_id" = $2 LIMIT 2`,
  };
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  try {
    const call = async (i: number) => {
      const id = INVOICES[i % INVOICES.length]!;
      const result = await pool.query({ ...statement, values: [id, TENANT] });
      if (result.rows.length !== 1 || result.rows[0].id !== id) throw new Error("raw pg lookup returned the wrong row");
    };
    for (let i = 0; i < WARMUP_CALLS; i++) await call(i);
    const latencies: number[] = [];
    for (let i = 0; i < SEQUENTIAL_CALLS; i++) {
      const start = process.hrtime.bigint();
      await call(i);
      latencies.push(msSince(start));
    }
    let next = 0;
    const start = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < LOADED_CALLS) await call(next++);
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    return {
      p50: median(latencies),
      callsPerSecond: (LOADED_CALLS * 1000) / msSince(start),
      cpuUs: (cpu.user + cpu.system) / LOADED_CALLS,
    };
  } finally {
    await pool.end();
  }
}

/** The example's contract, with http_jwt (key_env holding an RSA public key) in JWT mode and BENCH_DURABILITY's storage.durability. */
function benchConfig(dir: string): string {
  const durability = process.env.BENCH_DURABILITY;
  if (!JWT_MODE && !durability && !LEDGER_PG) return EXAMPLE_CONFIG_PATH;
  const config = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8"));
  if (durability) config.storage = { ...config.storage, durability };
  if (LEDGER_PG) config.storage = { postgres_url_env: "BENCH_LEDGER_URL" };
  if (JWT_MODE) config.trusted_context.http_jwt = {
    issuer: "https://id.bench.example/",
    audience: "https://mcp.bench.example/mcp",
    key_env: "BENCH_JWT_KEY",
    algorithms: ["RS256"],
    claims: { tenant: "tenant_id", principal: "sub" },
  };
  const path = join(dir, "synapsor.runner.json");
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function buildExample(dir: string): Promise<string> {
  const outDir = join(dir, "out");
  if (jwtKeys) {
    TOKEN = await new SignJWT({ tenant_id: TENANT, sub: "bench" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer("https://id.bench.example/")
      .setAudience("https://mcp.bench.example/mcp")
      .setExpirationTime("2h")
      .sign(jwtKeys.privateKey);
  }
  const result = await runCli([
    "build",
    "--config",
    benchConfig(dir),
    "--out",
    outDir,
    "--schema",
    join(EXAMPLE_DIR, "synapsor.schema.json"),
  ]);
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  // The operator's view: server.mjs alone in a directory without node_modules.
  const runDir = join(dir, "run");
  mkdirSync(runDir);
  const serverPath = join(runDir, "server.mjs");
  placeBundle(join(outDir, "server.mjs"), serverPath, ABLATION);
  // Beside its profiles, so bench/profile-summary.ts --by-module can name the module of each line.
  const profileDir = process.env.BENCH_CPU_PROF;
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    copyFileSync(serverPath, join(profileDir, "server.mjs"));
  }
  return serverPath;
}

async function stdioRun(serverPath: string, cwd: string, env: NodeJS.ProcessEnv, store: string) {
  const child = spawn(process.execPath, [...nodeArgs("stdio"), serverPath, "serve", "--transport", "stdio", ...storeArgs(store)], {
    cwd,
    env,
    stdio: ["pipe", "pipe", "ignore"],
  });
  const client = new StdioRpcClient(child);
  await client.request("initialize", INITIALIZE_PARAMS);
  client.notify("notifications/initialized");
  const list = await client.request("tools/list", "{}");
  const tools = JSON.parse(list).result.tools as unknown[];
  const load = await measureServer(child.pid!, (i) => client.request("tools/call", CALL_PARAMS[i % CALL_PARAMS.length]!));
  child.stdin!.end();
  await exited(child);
  return { load, listBytes: Buffer.byteLength(JSON.stringify({ tools })), toolCount: tools.length };
}

async function httpRun(serverPath: string, cwd: string, env: NodeJS.ProcessEnv, store: string) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [...nodeArgs("http"), serverPath, "serve", "--transport", "http", "--port", String(port), ...(JWT_MODE ? [] : ["--auth-token-env", "BENCH_HTTP_TOKEN"]), ...storeArgs(store)],
    { cwd, env, stdio: ["ignore", "ignore", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      if (stderr.includes("server_started")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`HTTP server exited ${code}: ${stderr}`)));
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  const single = new HttpRpcClient(url, TOKEN, 1);
  const many = new HttpRpcClient(url, TOKEN, IN_FLIGHT);
  await single.request("initialize", INITIALIZE_PARAMS);
  // Sequential phases use one keep-alive socket; the loaded phase 16 sockets, one call each in flight.
  let phase = 0;
  const load = await measureServer(child.pid!, (i) => {
    if (i === WARMUP_CALLS + SEQUENTIAL_CALLS) phase = 1;
    return (phase === 0 && i >= WARMUP_CALLS ? single : many).request("tools/call", CALL_PARAMS[i % CALL_PARAMS.length]!);
  });
  single.close();
  many.close();
  child.kill("SIGTERM");
  await exited(child);
  return load;
}

const fmt = (n: number, digits = 3) => n.toFixed(digits);

/** Read rows in a Postgres ledger: every successful call must have left one. */
async function ledgerRows(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("SELECT count(*)::int AS n FROM synapsor_ledger.reads")).rows[0].n as number;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "synapsor-bench-"));
  let db: TestDatabase | undefined;
  let ledgerDb: TestDatabase | undefined;
  try {
    db = await createPostgresDatabase("srbench");
    await seedExample(db);
    const serverPath = await buildExample(work);
    const cwd = join(work, "run");
    const env = serverEnv(db.url);
    if (LEDGER_PG) {
      ledgerDb = await createPostgresDatabase("srbenchledger");
      env.BENCH_LEDGER_URL = ledgerDb.url;
      env.SYNAPSOR_LEDGER_KEY = randomBytes(32).toString("base64url");
    }

    const versionClient = new pg.Client({ connectionString: db.url });
    await versionClient.connect();
    const pgVersion = (await versionClient.query("SHOW server_version")).rows[0].server_version as string;
    await versionClient.end();

    if (ONLY === "stdio" || ONLY === "http") {
      // Profiling aid: one transport only, raw figures, no table.
      const run = ONLY === "stdio" ? (await stdioRun(serverPath, cwd, env, join(work, "stdio.db"))).load : await httpRun(serverPath, cwd, env, join(work, "http.db"));
      console.log(ONLY, LEDGER_PG ? "(ledger: postgres)" : ABLATION ? "(ledger: sqlite, ABLATED: reads skip the commit)" : "(ledger: sqlite)", run);
      if (ledgerDb) console.log("ledger rows:", await ledgerRows(ledgerDb.url));
      return;
    }

    const raw = await rawPg(db.url);

    const coldStore = join(work, "cold.db");
    await coldStart(serverPath, cwd, env, coldStore); // creates and migrates the store; not counted
    const colds: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) colds.push(await coldStart(serverPath, cwd, env, coldStore));

    const stdio = await stdioRun(serverPath, cwd, env, join(work, "stdio.db"));
    const http = await httpRun(serverPath, cwd, env, join(work, "http.db"));

    const s = stdio.load;
    const h = http;
    const perTool = stdio.listBytes / stdio.toolCount;
    const rows: TableRow[] = [
      { metric: "raw pg prepared stmt: p50 sequential", value: `${fmt(raw.p50)} ms` },
      { metric: `raw pg prepared stmt: calls/s (${IN_FLIGHT} in flight, pool 8)`, value: `${raw.callsPerSecond.toFixed(0)}` },
      { metric: `raw pg prepared stmt: client CPU/call (${IN_FLIGHT} in flight)`, value: `${raw.cpuUs.toFixed(0)} µs` },
      { metric: "cold start: spawn -> tools/list (median of 10)", value: `${fmt(median(colds), 1)} ms`, target: "<= 100 ms", met: median(colds) <= 100 },
      { metric: "stdio: p50 sequential", value: `${fmt(s.p50)} ms`, target: "<= 0.25 ms", met: s.p50 <= 0.25 },
      { metric: "stdio: p99 sequential", value: `${fmt(s.p99)} ms` },
      { metric: "stdio: server CPU/call sequential", value: `${s.seqCpuUs.toFixed(0)} µs` },
      { metric: `stdio: calls/s (${IN_FLIGHT} in flight)`, value: `${s.callsPerSecond.toFixed(0)}`, target: ">= 10000", met: s.callsPerSecond >= 10_000 },
      { metric: `stdio: server CPU/call (${IN_FLIGHT} in flight)`, value: `${s.loadedCpuUs.toFixed(0)} µs`, target: "<= 100 µs", met: s.loadedCpuUs <= 100 },
      { metric: "http: p50 sequential", value: `${fmt(h.p50)} ms`, target: "<= 0.6 ms", met: h.p50 <= 0.6 },
      { metric: "http: p99 sequential", value: `${fmt(h.p99)} ms` },
      { metric: "http: server CPU/call sequential", value: `${h.seqCpuUs.toFixed(0)} µs` },
      { metric: `http: calls/s (${IN_FLIGHT} clients)`, value: `${h.callsPerSecond.toFixed(0)}` },
      { metric: `http: server CPU/call (${IN_FLIGHT} clients)`, value: `${h.loadedCpuUs.toFixed(0)} µs`, target: "<= 200 µs", met: h.loadedCpuUs <= 200 },
      {
        metric: "peak RSS under load (VmHWM, stdio / http)",
        value: `${s.peakRss.toFixed(0)} / ${h.peakRss.toFixed(0)} MiB`,
        target: "<= 150 MB",
        met: Math.max(s.peakRss, h.peakRss) * 1.048576 <= 150,
      },
      {
        metric: `RSS after ${WARMUP_CALLS / 1000}k -> ${s.callsTotal / 1000}k calls (stdio)`,
        value: `${s.rssAfterWarmup.toFixed(0)} -> ${s.rssAfterAll.toFixed(0)} MiB`,
        target: "flat (< +10%)",
        met: s.rssAfterAll <= s.rssAfterWarmup * 1.1,
      },
      {
        metric: `RSS after ${WARMUP_CALLS / 1000}k -> ${h.callsTotal / 1000}k calls (http)`,
        value: `${h.rssAfterWarmup.toFixed(0)} -> ${h.rssAfterAll.toFixed(0)} MiB`,
        target: "flat (< +10%)",
        met: h.rssAfterAll <= h.rssAfterWarmup * 1.1,
      },
      { metric: `tools/list bytes per capability (${stdio.toolCount} tools)`, value: `${perTool.toFixed(0)} B`, target: "<= 2048 B", met: perTool <= 2048 },
    ];
    const cpu = cpus()[0]?.model ?? "unknown";
    console.log(
      `\nmachine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.versions.node}; postgres ${pgVersion}\n`,
    );
    console.log(formatTable(rows));
  } finally {
    await db?.drop().catch(() => undefined);
    await ledgerDb?.drop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

if (PEERS) {
  const { peersMain } = await import("./peers.ts");
  process.exitCode = await peersMain(ARGV.filter((arg) => arg !== "--peers"));
} else {
  await main();
}
