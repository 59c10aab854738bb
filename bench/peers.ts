// `npm run bench -- --peers`: the compiled example bundle against Google's MCP Toolbox for
// Databases on the same tenant-scoped invoice lookup (Postgres, 100k invoices), next to raw `pg`,
// in one interleaved run: every round measures every server once (in a rotating order), and the
// report is the median over rounds of each figure and of each round's synapsor / Toolbox ratio.
// The bundle is launched as users launch it: `node server.mjs serve ...` and `./server.mjs serve ...`
// (its shebang). Every response is checked for the right invoice of the right tenant.
// Method and figures: docs/performance.md, "Against MCP Toolbox".

import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createPostgresDatabase, type TestDatabase } from "../test/support/databases.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR, seedExample, seedInvoiceVolume, volumeInvoiceId } from "../test/support/example.ts";
import { runCli } from "../test/support/cli.ts";
import { freePort } from "../test/support/ports.ts";
import { HttpRpcClient } from "./lib/http-client.ts";
import { formatRatioTable, PEER_LABELS, peerMedians, rawPgMedians, ratioRows, type PeerFigures, type PeerKey, type RawPgFigures, type RoundFigures } from "./lib/peer-report.ts";
import { cpuMs, memoryMiB } from "./lib/proc.ts";
import { median, msSince } from "./lib/stats.ts";
import { StdioRpcClient } from "./lib/stdio-client.ts";
import { parseAblation, placeBundle, type Ablation } from "./lib/ablate.ts";
import { cachedToolbox, ensureToolbox, TOOLBOX_TOOL, TOOLBOX_VERSION, toolboxCacheDir, toolboxConfig } from "./lib/toolbox.ts";

export const PEERS_USAGE = `Usage: npm run bench -- --peers [--rounds N] [--quick] [--json] [--no-install] [--ablate ledger-commit]

Runs the example's billing.inspect_invoice through the compiled bundle (launched as
'node server.mjs serve' and as './server.mjs serve') and through Google's MCP Toolbox for
Databases ${TOOLBOX_VERSION} on the same lookup, next to raw pg, against a throwaway Postgres
database of 100,000 invoices, in interleaved rounds; prints medians and the synapsor / Toolbox
ratios with issue 11's targets. Toolbox is installed on first use into
${toolboxCacheDir()} (never into this repository).

Options:
  --rounds N     interleaved rounds (default 5; --quick: 1)
  --quick        small call counts: a smoke run of well under a minute, not a measurement
  --json         print the raw figures of every round, the medians and the ratios as JSON
                 (progress stays on stderr; run 'npm run -s bench -- --peers --json' so npm's
                 own banner does not precede the JSON on stdout)
  --no-install   use Toolbox only if it is already cached; otherwise measure the bundle alone
  --ablate ledger-commit
                 measure a copy of the bundle whose reads skip the ledger's SQLite commit, to see
                 what that commit costs against Toolbox (a measuring stick, not the product: its
                 verdicts do not count; bench/lib/ablate.ts)
  -h, --help     this text`;

export interface PeersOptions {
  rounds: number;
  quick: boolean;
  json: boolean;
  install: boolean;
  /** A measuring stick (bench/lib/ablate.ts), never the product's default. */
  ablation?: Ablation;
}

/** Parses the arguments after --peers; a string is a usage error to print. */
export function parsePeersArgs(argv: string[]): PeersOptions | "help" | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        rounds: { type: "string" },
        quick: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        "no-install": { type: "boolean", default: false },
        ablate: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    return { error: (error as Error).message };
  }
  const { values } = parsed;
  if (values.help) return "help";
  const rounds = values.rounds === undefined ? (values.quick ? 1 : 5) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) return { error: `--rounds must be a whole number from 1 to 100, not '${values.rounds}'` };
  let ablation: Ablation | undefined;
  try {
    ablation = parseAblation(values.ablate);
  } catch (error) {
    return { error: (error as Error).message.replace("BENCH_ABLATE", "--ablate") };
  }
  return { rounds, quick: values.quick, json: values.json, install: !values["no-install"], ...(ablation ? { ablation } : {}) };
}

interface Sizes {
  warmup: number;
  sequential: number;
  loaded: number;
  coldStarts: number;
}

// Sized for about 10 minutes for 5 rounds on a busy 2-core machine (three servers, two transports).
const FULL: Sizes = { warmup: 1_000, sequential: 1_000, loaded: 10_000, coldStarts: 5 };
const QUICK: Sizes = { warmup: 100, sequential: 100, loaded: 500, coldStarts: 2 };

const INVOICE_ROWS = 100_000;
/** One server's share of a round takes well under a minute even on a busy machine. */
const PEER_DEADLINE_MS = 5 * 60_000;
const IN_FLIGHT = 16;
const TENANT = "tenant_acme";
/** The calls rotate over 1,000 invoices of the tenant, spread over the 100k-row table. */
const INVOICE_IDS = Array.from({ length: 1_000 }, (_, k) => volumeInvoiceId(TENANT, k * 3));
/** An invoice that exists, but for another tenant: both servers must not return it. */
const FOREIGN_INVOICE = volumeInvoiceId("tenant_globex", 7);
const FULL_CHECK_EVERY = 50;
const COLUMNS = ["id", "tenant_id", "customer_id", "amount_cents", "late_fee_cents", "status", "waiver_reason", "due_at", "updated_at"] as const;
const INITIALIZE_PARAMS = `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench-peers","version":"1"}}`;
const HTTP_TOKEN = "bench-peers-token-0123456789abcdef";

export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** One server under test: how to start it, what to call, and how to recognise a right answer. */
export interface Peer {
  key: PeerKey;
  stdio(store: string): Launch;
  http(port: number, store: string): Launch;
  /** A log fragment (stdout or stderr) that says the HTTP server is listening. */
  readyText: string;
  token: string | undefined;
  params: string[];
  foreignParams: string;
  /** Throws unless `text` is a successful read of exactly this invoice of TENANT. */
  check(text: string, invoiceId: string, full: boolean): void;
  /** Throws if `text` leaks the row of another tenant or claims success for it. */
  checkForeign(text: string): void;
}

const callParams = (tool: string, id: string) => `{"name":"${tool}","arguments":{"invoice_id":"${id}"}}`;

function fail(peer: PeerKey, what: string, text: string): never {
  throw new Error(`${PEER_LABELS[peer]}: ${what}: ${JSON.stringify(text.slice(0, 400))}`);
}

/** Our bundle: the envelope's structuredContent carries the row (the text copy repeats it). */
export function synapsorPeer(key: "node" | "shebang", serverPath: string, cwd: string, env: NodeJS.ProcessEnv): Peer {
  const launch = (args: string[]): Launch =>
    key === "node" ? { command: process.execPath, args: [serverPath, ...args], cwd, env } : { command: serverPath, args, cwd, env };
  return {
    key,
    stdio: (store) => launch(["serve", "--transport", "stdio", "--store", store]),
    http: (port, store) => launch(["serve", "--transport", "http", "--port", String(port), "--auth-token-env", "BENCH_HTTP_TOKEN", "--store", store]),
    readyText: "server_started",
    token: HTTP_TOKEN,
    params: INVOICE_IDS.map((id) => callParams("billing.inspect_invoice", id)),
    foreignParams: callParams("billing.inspect_invoice", FOREIGN_INVOICE),
    check(text, id, full) {
      if (!text.includes('"ok":true') || !text.includes(`"id":"${id}"`) || !text.includes(`"tenant_id":"${TENANT}"`)) fail(key, `not ${id} of ${TENANT}`, text);
      if (!full) return;
      const result = JSON.parse(text).result;
      const data = result?.structuredContent?.data;
      const copy = JSON.parse(result?.content?.[0]?.text ?? "null")?.data;
      if (result?.structuredContent?.ok !== true || data?.id !== id || data?.tenant_id !== TENANT || copy?.id !== id) fail(key, `not ${id} of ${TENANT}`, text);
    },
    checkForeign(text) {
      if (text.includes("tenant_globex") || text.includes('"ok":true')) fail(key, `returned another tenant's invoice ${FOREIGN_INVOICE}`, text);
    },
  };
}

/** Toolbox: each row comes back as one text item holding the row's JSON. */
export function toolboxPeer(binary: string, configPath: string, cwd: string): Peer {
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? cwd };
  // --disable-version-check: otherwise every start asks the internet for a newer release.
  const common = ["--config", configPath, "--disable-version-check"];
  return {
    key: "toolbox",
    stdio: () => ({ command: binary, args: ["--stdio", ...common], cwd, env }),
    http: (port) => ({ command: binary, args: [...common, "--address", "127.0.0.1", "--port", String(port)], cwd, env }),
    readyText: "Server ready to serve", // an INFO line: Toolbox writes those to stdout when serving HTTP
    token: undefined,
    params: INVOICE_IDS.map((id) => callParams(TOOLBOX_TOOL, id)),
    foreignParams: callParams(TOOLBOX_TOOL, FOREIGN_INVOICE),
    check(text, id, full) {
      if (text.includes('"isError":true') || !text.includes(`\\"id\\":\\"${id}\\"`) || !text.includes(`\\"tenant_id\\":\\"${TENANT}\\"`)) {
        fail("toolbox", `not ${id} of ${TENANT}`, text);
      }
      if (!full) return;
      const content = JSON.parse(text).result?.content;
      const row = content?.length === 1 ? JSON.parse(content[0].text) : undefined;
      if (row?.id !== id || row?.tenant_id !== TENANT) fail("toolbox", `not exactly ${id} of ${TENANT}`, text);
    },
    checkForeign(text) {
      if (text.includes("tenant_globex") || text.includes(FOREIGN_INVOICE)) fail("toolbox", `returned another tenant's invoice ${FOREIGN_INVOICE}`, text);
    },
  };
}

const children = new Set<ChildProcess>();

function start(launch: Launch, stdio: "stdio" | "http"): ChildProcess {
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: launch.env,
    stdio: stdio === "stdio" ? ["pipe", "pipe", "ignore"] : ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess, how: "eof" | "signal"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (how === "eof") child.stdin!.end();
  else child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

type Call = (i: number) => Promise<string>;

async function sequential(peer: Peer, call: Call, n: number, offset: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = offset; i < offset + n; i++) {
    const begin = process.hrtime.bigint();
    const text = await call(i);
    latencies.push(msSince(begin));
    peer.check(text, INVOICE_IDS[i % INVOICE_IDS.length]!, i % FULL_CHECK_EVERY === 0);
  }
  return latencies;
}

/** Keeps IN_FLIGHT calls outstanding until n have completed; returns the wall time in ms. */
async function loaded(peer: Peer, call: Call, n: number, offset: number): Promise<number> {
  let next = offset;
  const end = offset + n;
  const begin = process.hrtime.bigint();
  const worker = async () => {
    while (next < end) {
      const i = next++;
      peer.check(await call(i), INVOICE_IDS[i % INVOICE_IDS.length]!, i % FULL_CHECK_EVERY === 0);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return msSince(begin);
}

/** Spawn → initialize + initialized + tools/list sent at once → the tools/list answer. */
async function coldStart(peer: Peer, store: string): Promise<number> {
  const begin = process.hrtime.bigint();
  const child = start(peer.stdio(store), "stdio");
  const client = new StdioRpcClient(child);
  const init = client.request("initialize", INITIALIZE_PARAMS);
  client.notify("notifications/initialized");
  const list = await client.request("tools/list", "{}");
  const elapsed = msSince(begin);
  await init;
  if (!list.includes('"tools"')) fail(peer.key, "tools/list failed", list);
  await stop(child, "eof");
  return elapsed;
}

interface StdioFigures {
  cpuUs: number;
  p50Ms: number;
  callsPerSecond: number;
  peakRssMiB: number;
  listBytesPerTool: number;
}

async function stdioSession(peer: Peer, store: string, sizes: Sizes): Promise<StdioFigures> {
  const child = start(peer.stdio(store), "stdio");
  try {
    const client = new StdioRpcClient(child);
    await client.request("initialize", INITIALIZE_PARAMS);
    client.notify("notifications/initialized");
    const list = JSON.parse(await client.request("tools/list", "{}"));
    const tools = list.result?.tools as unknown[] | undefined;
    if (!Array.isArray(tools) || tools.length === 0) fail(peer.key, "tools/list listed no tools", JSON.stringify(list));
    peer.checkForeign(await client.request("tools/call", peer.foreignParams));
    const call: Call = (i) => client.request("tools/call", peer.params[i % peer.params.length]!);
    await loaded(peer, call, sizes.warmup, 0);
    const latencies = await sequential(peer, call, sizes.sequential, sizes.warmup);
    const cpuBefore = cpuMs(child.pid!);
    const wallMs = await loaded(peer, call, sizes.loaded, sizes.warmup + sizes.sequential);
    const cpuUs = ((cpuMs(child.pid!) - cpuBefore) * 1000) / sizes.loaded;
    return {
      cpuUs,
      p50Ms: median(latencies),
      callsPerSecond: (sizes.loaded * 1000) / wallMs,
      peakRssMiB: memoryMiB(child.pid!, "VmHWM"),
      listBytesPerTool: Buffer.byteLength(JSON.stringify(list.result)) / tools.length,
    };
  } finally {
    await stop(child, "eof");
  }
}

/** Resolves when either output stream of the HTTP server has carried `readyText`. */
function untilReady(child: ChildProcess, readyText: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let ready = false;
    const watch = (text: string) => {
      // Keep draining after start-up (the server's own logging is part of its cost), but stop keeping it.
      if (ready) return;
      seen += text;
      if (seen.includes(readyText)) {
        ready = true;
        seen = "";
        resolve();
      }
    };
    child.stdout!.setEncoding("utf8").on("data", watch);
    child.stderr!.setEncoding("utf8").on("data", watch);
    child.once("exit", (code) => {
      if (!ready) reject(new Error(`${name}: the HTTP server exited (${code}) before it was ready: ${JSON.stringify(seen.slice(-600))}`));
    });
  });
}

async function httpSession(peer: Peer, store: string, sizes: Sizes): Promise<{ cpuUs: number; peakRssMiB: number }> {
  const port = await freePort();
  const child = start(peer.http(port, store), "http");
  const single = new HttpRpcClient(`http://127.0.0.1:${port}/mcp`, peer.token, 1);
  const many = new HttpRpcClient(`http://127.0.0.1:${port}/mcp`, peer.token, IN_FLIGHT);
  try {
    await untilReady(child, peer.readyText, PEER_LABELS[peer.key]);
    await single.request("initialize", INITIALIZE_PARAMS);
    peer.checkForeign(await single.request("tools/call", peer.foreignParams));
    // 16 keep-alive sockets, one call in flight on each.
    const call: Call = (i) => many.request("tools/call", peer.params[i % peer.params.length]!);
    await loaded(peer, call, sizes.warmup, 0);
    const cpuBefore = cpuMs(child.pid!);
    await loaded(peer, call, sizes.loaded, sizes.warmup);
    const cpuUs = ((cpuMs(child.pid!) - cpuBefore) * 1000) / sizes.loaded;
    return { cpuUs, peakRssMiB: memoryMiB(child.pid!, "VmHWM") };
  } finally {
    single.close();
    many.close();
    await stop(child, "signal");
  }
}

/** A server that stops answering fails the run with the phase it was in, instead of hanging it. */
async function withDeadline<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function measurePeer(peer: Peer, work: string, round: number, sizes: Sizes, say: (line: string) => void): Promise<PeerFigures> {
  let phase = "cold starts";
  const step = (name: string) => {
    phase = name;
    say(`  ${PEER_LABELS[peer.key]}: ${name}`);
  };
  return withDeadline(measurePeerPhases(peer, work, round, sizes, step), PEER_DEADLINE_MS, () => `${PEER_LABELS[peer.key]} (${phase}, round ${round})`);
}

async function measurePeerPhases(peer: Peer, work: string, round: number, sizes: Sizes, step: (name: string) => void): Promise<PeerFigures> {
  const tag = `${peer.key}-${round}`;
  step("cold starts");
  const coldStore = join(work, `cold-${tag}.db`);
  await coldStart(peer, coldStore); // creates the store and warms the page cache; not counted
  const colds: number[] = [];
  for (let i = 0; i < sizes.coldStarts; i++) colds.push(await coldStart(peer, coldStore));
  step("stdio");
  const stdio = await stdioSession(peer, join(work, `stdio-${tag}.db`), sizes);
  step("HTTP");
  const http = await httpSession(peer, join(work, `http-${tag}.db`), sizes);
  return {
    stdioCpuUs: stdio.cpuUs,
    stdioP50Ms: stdio.p50Ms,
    stdioCallsPerSecond: stdio.callsPerSecond,
    httpCpuUs: http.cpuUs,
    coldStartMs: median(colds),
    peakRssMiB: Math.max(stdio.peakRssMiB, http.peakRssMiB),
    listBytesPerTool: stdio.listBytesPerTool,
  };
}

/** The floor: the same statement through a pg.Pool of 8 as a named prepared statement. */
async function rawPg(url: string, sizes: Sizes): Promise<RawPgFigures> {
  const text = `SELECT ${COLUMNS.map((c) => `"${c}"`).join(", ")} FROM "public"."invoices" WHERE "id" = $1 AND "tenant_id" = $2 LIMIT 2`;
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  try {
    const call = async (i: number) => {
      const id = INVOICE_IDS[i % INVOICE_IDS.length]!;
      const result = await pool.query({ name: "bench_peers_invoice", text, values: [id, TENANT] });
      if (result.rows.length !== 1 || result.rows[0].id !== id || result.rows[0].tenant_id !== TENANT) throw new Error(`raw pg: wrong row for ${id}`);
    };
    for (let i = 0; i < sizes.warmup; i++) await call(i);
    const latencies: number[] = [];
    for (let i = 0; i < sizes.sequential; i++) {
      const begin = process.hrtime.bigint();
      await call(i);
      latencies.push(msSince(begin));
    }
    let next = 0;
    const begin = process.hrtime.bigint();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < sizes.loaded) await call(next++);
    }));
    return { p50Ms: median(latencies), callsPerSecond: (sizes.loaded * 1000) / msSince(begin) };
  } finally {
    await pool.end();
  }
}

/** Builds the example with the real CLI; server.mjs alone in an empty directory, executable. */
async function buildBundle(work: string, ablation: Ablation | undefined): Promise<string> {
  const outDir = join(work, "out");
  const result = await runCli(["build", "--config", EXAMPLE_CONFIG_PATH, "--out", outDir, "--schema", join(EXAMPLE_DIR, "synapsor.schema.json")]);
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  const runDir = join(work, "run");
  mkdirSync(runDir);
  const serverPath = join(runDir, "server.mjs");
  placeBundle(join(outDir, "server.mjs"), serverPath, ablation);
  chmodSync(serverPath, 0o755);
  return serverPath;
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("SHOW server_version")).rows[0].server_version as string;
  } finally {
    await client.end();
  }
}

export interface PeersReport {
  command: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; postgres: string };
  /** 1/5/15-minute load averages before and after the run: the machine may be shared. */
  load: { start: number[]; end: number[] };
  toolbox: { version: string; measured: boolean; note?: string };
  /** Set when the bundle measured was an ablated copy (--ablate): then no figure speaks for the product. */
  ablation?: Ablation;
  sizes: Sizes & { rounds: number; inFlight: number; invoiceRows: number };
  rounds: RoundFigures[];
  medians: { peers: ReturnType<typeof peerMedians>; rawPg: RawPgFigures };
  ratios: ReturnType<typeof ratioRows>;
}

export async function runPeers(options: PeersOptions): Promise<PeersReport> {
  const say = (line: string) => void process.stderr.write(`${line}\n`);
  const sizes = options.quick ? QUICK : FULL;
  const loadStart = loadavg();
  let toolboxBinary: string | undefined;
  let toolboxNote: string | undefined;
  if (options.install) {
    toolboxBinary = await ensureToolbox(say);
  } else {
    toolboxBinary = cachedToolbox();
    if (!toolboxBinary) toolboxNote = `Toolbox skipped: not cached in ${toolboxCacheDir()} and --no-install was given; only the bundle was measured`;
  }
  if (toolboxNote) say(toolboxNote);

  const work = mkdtempSync(join(tmpdir(), "synapsor-bench-peers-"));
  let db: TestDatabase | undefined;
  try {
    say(`seeding ${INVOICE_ROWS.toLocaleString("en-US")} invoices and building the example ...`);
    db = await createPostgresDatabase("srpeers");
    await seedExample(db);
    await seedInvoiceVolume(db, INVOICE_ROWS);
    const serverPath = await buildBundle(work, options.ablation);
    const cwd = dirname(serverPath);
    // The shebang runs the first `node` on PATH: make it this Node.js, like plain `node` below.
    const env: NodeJS.ProcessEnv = {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      SUPPORT_DB_READ_URL: db.url,
      SYNAPSOR_TENANT_ID: TENANT,
      SYNAPSOR_PRINCIPAL: "bench",
      BENCH_HTTP_TOKEN: HTTP_TOKEN,
    };
    const peers: Peer[] = [synapsorPeer("node", serverPath, cwd, env), synapsorPeer("shebang", serverPath, cwd, env)];
    if (toolboxBinary) {
      const configPath = join(work, "tools.yaml");
      writeFileSync(configPath, toolboxConfig({ databaseUrl: db.url, tenant: TENANT, columns: COLUMNS }));
      peers.push(toolboxPeer(toolboxBinary, configPath, work));
    }

    const rounds: RoundFigures[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      say(`round ${round}/${options.rounds}: raw pg`);
      const figures: RoundFigures = { round, rawPg: await rawPg(db.url, sizes), peers: {} };
      // Rotate the order so no server always runs first (or right after another one's load).
      const order = peers.map((_, i) => peers[(i + round - 1) % peers.length]!);
      for (const peer of order) figures.peers[peer.key] = await measurePeer(peer, work, round, sizes, say);
      rounds.push(figures);
    }
    const cpu = cpus();
    return {
      command: `npm run bench -- --peers${options.quick ? " --quick" : ""} --rounds ${options.rounds}${options.ablation ? ` --ablate ${options.ablation}` : ""}`,
      machine: { cpus: cpu.length, model: cpu[0]?.model ?? "unknown", memoryGiB: totalmem() / 2 ** 30, node: process.versions.node, postgres: await postgresVersion(db.url) },
      load: { start: loadStart, end: loadavg() },
      toolbox: { version: TOOLBOX_VERSION, measured: toolboxBinary !== undefined, ...(toolboxNote ? { note: toolboxNote } : {}) },
      ...(options.ablation ? { ablation: options.ablation } : {}),
      sizes: { ...sizes, rounds: options.rounds, inFlight: IN_FLIGHT, invoiceRows: INVOICE_ROWS },
      rounds,
      medians: { peers: peerMedians(rounds), rawPg: rawPgMedians(rounds) },
      ratios: ratioRows(rounds),
    };
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await db?.drop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

const ABLATED_WARNING =
  "ABLATED (--ablate ledger-commit): the bundle measured skips the ledger commit of every read; a measuring stick, not the product. The verdicts below do not count toward issue 11.";

const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");

export function formatPeersReport(report: PeersReport): string {
  const m = report.machine;
  return [
    "",
    `machine: ${m.cpus} × ${m.model}, ${m.memoryGiB.toFixed(1)} GiB; node ${m.node}; postgres ${m.postgres}; Toolbox ${report.toolbox.measured ? report.toolbox.version : "not measured"}`,
    `load average (1/5/15 min): ${loadText(report.load.start)} at start, ${loadText(report.load.end)} at end`,
    `${report.sizes.rounds} interleaved round(s); per server and round: ${report.sizes.coldStarts} cold starts, ${report.sizes.warmup} warm-up, ` +
      `${report.sizes.sequential} sequential and ${report.sizes.loaded} loaded calls (${report.sizes.inFlight} in flight) per transport; ` +
      `${report.sizes.invoiceRows.toLocaleString("en-US")} invoices`,
    "medians over rounds; a ratio is the median of the rounds' synapsor / Toolbox ratios",
    ...(report.toolbox.note ? [report.toolbox.note] : []),
    ...(report.ablation ? [ABLATED_WARNING] : []),
    "",
    formatRatioTable(report.rounds),
    ...(report.ablation ? ["", ABLATED_WARNING] : []),
  ].join("\n");
}

/** The --peers entry point of bench/read-latency.ts: returns the exit code. */
export async function peersMain(argv: string[]): Promise<number> {
  const options = parsePeersArgs(argv);
  if (options === "help") {
    console.log(PEERS_USAGE);
    return 0;
  }
  if ("error" in options) {
    console.error(`bench --peers: ${options.error}\n\n${PEERS_USAGE}`);
    return 2;
  }
  let report: PeersReport;
  try {
    report = await runPeers(options);
  } catch (error) {
    // A failed check or a stuck server: say which, without a stack trace.
    console.error(`bench --peers failed: ${(error as Error).message}`);
    return 1;
  }
  console.log(options.json ? JSON.stringify(report, null, 2) : formatPeersReport(report));
  return 0;
}
