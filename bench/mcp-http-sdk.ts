// Our HTTP protocol layer against the MCP TypeScript SDK 2.x stateless handler, serving the SAME
// ToolHost: the compiled example's capabilities (a real tools/call of billing.inspect_invoice on a
// seeded Postgres, evidence and query audit written to the ledger) plus a trivial echo tool that
// shows the protocol cost without the database. Each server runs in its own child process
// (bench/lib/mcp-http-bench-server.ts) so its CPU (utime + stime) and peak RSS come from /proc.
// 16 keep-alive clients send the same request bytes to both; rounds alternate which server goes
// first; the table shows medians over rounds and the median of the per-round ratio sdk / ours.
// Run: npx node bench/mcp-http-sdk.ts   (or npm run bench:mcp-sdk)
// BENCH_ROUNDS (default 5), BENCH_CALLS (calls per server, workload and round; default 5000),
// BENCH_CPU_PROF=DIR writes a .cpuprofile of each server (summarise with bench/profile-summary.ts).

import { spawn, type ChildProcess } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RECOMMENDED_NODE_FLAGS } from "../compiler/bundle/node-flags.ts";
import { runCli } from "../test/support/cli.ts";
import { createPostgresDatabase, type TestDatabase } from "../test/support/databases.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR, seedExample } from "../test/support/example.ts";
import { parseBenchArgs, wholeNumber } from "./lib/cli-args.ts";
import { HttpRpcClient } from "./lib/http-client.ts";
import { cpuMs, memoryMiB } from "./lib/proc.ts";
import { median, msSince, percentile } from "./lib/stats.ts";

const CLI = {
  name: "mcp-http-sdk",
  usage: `Usage: npm run bench:mcp-sdk
   or: npx node bench/mcp-http-sdk.ts

Our HTTP protocol layer against the MCP TypeScript SDK 2.x stateless handler serving the same
ToolHost (the example's billing.inspect_invoice on a seeded Postgres, and an echo tool), each in
its own child process, 16 keep-alive clients, alternating rounds; prints server CPU per call,
calls/s, p50/p99 and RSS, with the SDK / ours ratios. A few minutes.

  -h, --help     this text

Environment:
  BENCH_ROUNDS=N        rounds (default 5)
  BENCH_CALLS=N         calls per server, workload and round (default 5000)
  BENCH_CPU_PROF=DIR    write a .cpuprofile of each server (bench/profile-summary.ts summarises it)
  TEST_PG_ADMIN_URL     the PostgreSQL server for the throwaway database
                        (default postgres://postgres@127.0.0.1:5432/test)`,
};
parseBenchArgs(CLI, {});
const ROUNDS = wholeNumber(CLI, "BENCH_ROUNDS", process.env.BENCH_ROUNDS, 5);
const CALLS = wholeNumber(CLI, "BENCH_CALLS", process.env.BENCH_CALLS, 5_000);
const WARMUP_CALLS = 2_000;
const CLIENTS = 16;
const TOKEN = "bench-token-0123456789abcdef";
const TENANT = "tenant_acme";
const INVOICES = ["INV-3001", "INV-3002", "INV-3003", "INV-3004", "INV-3005"];
const SERVER_SCRIPT = fileURLToPath(new URL("./lib/mcp-http-bench-server.ts", import.meta.url));

type ServerName = "ours" | "sdk";
const SERVERS: readonly ServerName[] = ["ours", "sdk"];

interface Workload {
  name: string;
  /** Pre-built params of call i: the same bytes go to both servers. */
  params: (i: number) => string;
  check: (result: Record<string, unknown>, i: number) => void;
}

const lookupParams = INVOICES.map((id) => `{"name":"billing.inspect_invoice","arguments":{"invoice_id":"${id}"}}`);
const echoParams = Array.from({ length: 8 }, (_, k) => `{"name":"bench.echo","arguments":{"text":"hello ${k}"}}`);

const WORKLOADS: readonly Workload[] = [
  {
    name: "lookup (billing.inspect_invoice, Postgres + ledger)",
    params: (i) => lookupParams[i % lookupParams.length]!,
    check(result, i) {
      const envelope = result.structuredContent as { ok?: boolean; data?: { id?: string }; evidence?: { bundle_id?: string } } | undefined;
      if (envelope?.ok !== true || envelope.data?.id !== INVOICES[i % INVOICES.length] || !envelope.evidence?.bundle_id?.startsWith("ev_")) {
        throw new Error(`call ${i}: unexpected result ${JSON.stringify(result).slice(0, 300)}`);
      }
    },
  },
  {
    name: "echo (no I/O: the protocol layer alone)",
    params: (i) => echoParams[i % echoParams.length]!,
    check(result, i) {
      if ((result.structuredContent as { text?: string } | undefined)?.text !== `hello ${i % echoParams.length}`) {
        throw new Error(`call ${i}: unexpected result ${JSON.stringify(result).slice(0, 300)}`);
      }
    },
  },
];

/** The JSON-RPC message of a reply: a JSON body (ours) or the data line of an SSE event (the SDK's stateless leg). */
function messageOf(body: string): { result?: Record<string, unknown>; error?: unknown } {
  if (body.startsWith("{")) return JSON.parse(body);
  const data = body.split("\n").find((line) => line.startsWith("data: ") && line.length > 6);
  if (!data) throw new Error(`no JSON-RPC message in reply: ${body.slice(0, 300)}`);
  return JSON.parse(data.slice(6));
}

function resultOf(body: string, i: number): Record<string, unknown> {
  const message = messageOf(body);
  if (!message.result) throw new Error(`call ${i} failed: ${body.slice(0, 300)}`);
  return message.result;
}

interface RunningServer {
  name: ServerName;
  child: ChildProcess;
  client: HttpRpcClient;
}

async function startServer(name: ServerName, env: NodeJS.ProcessEnv, store: string): Promise<RunningServer> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...RECOMMENDED_NODE_FLAGS, ...profile, SERVER_SCRIPT], {
    env: { ...env, BENCH_SERVER: name, BENCH_STORE: store },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      out += text;
      const match = /listening (\S+)\n/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`${name} server exited ${code}`)));
  });
  return { name, child, client: new HttpRpcClient(url, TOKEN, CLIENTS) };
}

/** Keeps CLIENTS calls in flight until n completed; every reply is checked. Latencies in ms. */
async function load(server: RunningServer, workload: Workload, n: number): Promise<{ wallMs: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const sent = process.hrtime.bigint();
      const body = await server.client.request("tools/call", workload.params(i));
      latencies.push(msSince(sent));
      workload.check(resultOf(body, i), i);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return { wallMs: msSince(start), latencies };
}

interface Sample {
  cpuUs: number;
  callsPerSecond: number;
  p50: number;
  p99: number;
}

async function measure(server: RunningServer, workload: Workload): Promise<Sample> {
  const pid = server.child.pid!;
  const cpu = cpuMs(pid);
  const { wallMs, latencies } = await load(server, workload, CALLS);
  return {
    cpuUs: ((cpuMs(pid) - cpu) * 1000) / CALLS,
    callsPerSecond: (CALLS * 1000) / wallMs,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

/** What may differ between two correct answers: the evidence handle and times minted per call. */
function normalised(result: Record<string, unknown>): unknown {
  return JSON.parse(
    JSON.stringify(result)
      .replace(/ev_[A-Za-z0-9_-]+/g, "ev_*")
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>"),
  );
}

/** Both servers must list the same tools and answer the same call identically before anything is timed. */
async function verifySameAnswers(servers: readonly RunningServer[]): Promise<void> {
  const answers = await Promise.all(
    servers.map(async (s) => ({
      tools: resultOf(await s.client.request("tools/list", "{}"), 0).tools,
      lookup: normalised(resultOf(await s.client.request("tools/call", lookupParams[0]!), 0)),
      echoBody: await s.client.request("tools/call", echoParams[0]!),
    })),
  ).then((all) => all.map(({ echoBody, ...rest }) => ({ ...rest, echo: resultOf(echoBody, 0), framing: echoBody.startsWith("{") ? "JSON" : "SSE" })));
  const [ours, sdk] = answers;
  for (const key of ["lookup", "echo"] as const) {
    if (!isDeepStrictEqual(ours![key], sdk![key])) {
      throw new Error(`the servers answer ${key} differently:\nours ${JSON.stringify(ours![key])}\nsdk  ${JSON.stringify(sdk![key])}`);
    }
  }
  console.log(`checked: both list the same tools: ${isDeepStrictEqual(ours!.tools, sdk!.tools)}; same lookup and echo results; reply framing ours ${ours!.framing}, sdk ${sdk!.framing}`);
  if (!isDeepStrictEqual(ours!.tools, sdk!.tools)) {
    // Reported, not fatal: the SDK may add fields of its own to a descriptor (e.g. execution hints).
    console.log(`note: tools/list differs:\nours ${JSON.stringify(ours!.tools).slice(0, 600)}\nsdk  ${JSON.stringify(sdk!.tools).slice(0, 600)}`);
  }
}

async function buildExample(dir: string): Promise<string> {
  const outDir = join(dir, "out");
  const result = await runCli(["build", "--config", EXAMPLE_CONFIG_PATH, "--out", outDir, "--schema", join(EXAMPLE_DIR, "synapsor.schema.json")]);
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return join(outDir, "src");
}

const fmt = (n: number, digits: number) => n.toFixed(digits);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "synapsor-sdkbench-"));
  let db: TestDatabase | undefined;
  const servers: RunningServer[] = [];
  try {
    db = await createPostgresDatabase("srsdkbench");
    await seedExample(db);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "",
      BENCH_GENERATED_DIR: await buildExample(work),
      BENCH_TOKEN: TOKEN,
      SUPPORT_DB_READ_URL: db.url,
      SYNAPSOR_TENANT_ID: TENANT,
      SYNAPSOR_PRINCIPAL: "bench",
    };
    for (const name of SERVERS) servers.push(await startServer(name, env, join(work, `${name}.db`)));
    await verifySameAnswers(servers);

    for (const server of servers) for (const workload of WORKLOADS) await load(server, workload, WARMUP_CALLS);
    const rssAfterWarmup = servers.map((s) => memoryMiB(s.child.pid!, "VmRSS"));

    // samples[workload][server] = one Sample per round
    const samples = WORKLOADS.map(() => SERVERS.map(() => [] as Sample[]));
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(loadavg()[0]!);
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const [w, workload] of WORKLOADS.entries()) {
        for (const s of order) samples[w]![s]!.push(await measure(servers[s]!, workload));
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }

    const rssAtEnd = servers.map((s) => memoryMiB(s.child.pid!, "VmRSS"));
    const peakRss = servers.map((s) => memoryMiB(s.child.pid!, "VmHWM"));
    const total = WARMUP_CALLS * WORKLOADS.length + CALLS * WORKLOADS.length * ROUNDS + 3;

    console.log(
      `\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? "unknown"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.versions.node}; ` +
        `load average (1 min) during rounds ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)}`,
    );
    console.log(`${ROUNDS} rounds × ${CALLS} calls per server and workload, ${CLIENTS} keep-alive clients; medians over rounds\n`);
    const metrics: Array<[string, (s: Sample) => number, number]> = [
      ["server CPU/call (µs)", (s) => s.cpuUs, 0],
      ["calls/s", (s) => s.callsPerSecond, 0],
      ["p50 latency (ms)", (s) => s.p50, 2],
      ["p99 latency (ms)", (s) => s.p99, 2],
    ];
    console.log("| workload | metric | ours | SDK 2.x stateless | SDK / ours (median of per-round ratios) |");
    console.log("|---|---|---:|---:|---:|");
    for (const [w, workload] of WORKLOADS.entries()) {
      const [ours, sdk] = samples[w]!;
      for (const [label, pick, digits] of metrics) {
        const ratios = ours!.map((o, r) => pick(sdk![r]!) / pick(o));
        console.log(
          `| ${workload.name} | ${label} | ${fmt(median(ours!.map(pick)), digits)} | ${fmt(median(sdk!.map(pick)), digits)} | ${fmt(median(ratios), 2)}× |`,
        );
      }
    }
    console.log(`\n| server | RSS after warm-up → after ${total} calls (MiB) | peak RSS, VmHWM (MiB) |`);
    console.log("|---|---:|---:|");
    for (const [s, name] of SERVERS.entries()) {
      console.log(`| ${name} | ${fmt(rssAfterWarmup[s]!, 0)} → ${fmt(rssAtEnd[s]!, 0)} | ${fmt(peakRss[s]!, 0)} |`);
    }
    console.log("\nper-round server CPU/call (µs), ours / sdk:");
    for (const [w, workload] of WORKLOADS.entries()) {
      const [ours, sdk] = samples[w]!;
      console.log(`  ${workload.name}: ${ours!.map((o, r) => `${fmt(o.cpuUs, 0)}/${fmt(sdk![r]!.cpuUs, 0)}`).join("  ")}`);
    }
  } finally {
    // Waits for the servers to exit, so a CPU profile is written before the run ends.
    await Promise.all(
      servers.map((s) => {
        s.client.close();
        const exited = new Promise((resolve) => s.child.once("exit", resolve));
        s.child.kill("SIGTERM");
        return exited;
      }),
    );
    await db?.drop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
