// Instructions per read call of the compiled stdio server, counted by valgrind's callgrind, so a
// change to the hot path can be judged on a busy machine (instruction counts do not depend on
// load; wall-clock figures here move ±30%). The example is built and served against a throwaway,
// seeded Postgres database, as in bench/read-latency.ts. Two servers run under callgrind with the
// same warm-up; one then answers CALLS more sequential calls than the other. The difference of
// their totals divided by CALLS is the cost of one call: start-up, warm-up and shutdown cancel out.
// Run: npm run bench:instructions   (see docs/performance.md, "Instructions per call")
//      npm run bench:instructions -- --cold-start
//   instead counts a start: spawn to the first tools/list answer (initialize, initialized and
//   tools/list waiting on stdin; the store already made), for `node server.mjs` and for the
//   shebang's flags. A preload ends the process once that answer is written, so nothing the
//   server defers until after it (the driver, the source check) is counted.
//      npm run bench:instructions -- --http
//   the same over Streamable HTTP: one keep-alive client, static bearer (the server's default auth).
//   BENCH_INSTR_CALLS=N    measured calls (default 300)
//   BENCH_INSTR_WARMUP=N   warm-up calls in both runs (default 300)
//   BENCH_INSTR_JIT=1      keep V8's JIT (default: --jitless, which gives repeatable counts)
//   BENCH_INSTR_ROUNDS=N   pairs of runs (default 5); prints each and the median
//   BENCH_INSTR_OUT=DIR    keep the callgrind files (callgrind_annotate DIR/callgrind.long.out)
//   BENCH_INSTR_JSON=1     print the figures as JSON
//   BENCH_LEDGER=postgres  the ledger in a second throwaway Postgres database (storage.postgres_url_env)
//                          instead of a SQLite file: the server's own cost of the network ledger

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RECOMMENDED_NODE_FLAGS } from "../compiler/bundle/node-flags.ts";
import { createPostgresDatabase, type TestDatabase } from "../test/support/databases.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR, seedExample } from "../test/support/example.ts";
import { runCli } from "../test/support/cli.ts";
import { freePort } from "../test/support/ports.ts";
import { parseBenchArgs, usageError, wholeNumber } from "./lib/cli-args.ts";
import { median } from "./lib/stats.ts";
import { HttpRpcClient } from "./lib/http-client.ts";
import { StdioRpcClient } from "./lib/stdio-client.ts";

const CLI = {
  name: "instructions",
  usage: `Usage: npm run bench:instructions [-- --http | --cold-start]
   or: npx node bench/instructions.ts [--http | --cold-start]

Instructions per read call of the compiled server (over stdio, or HTTP with --http), counted by
valgrind's callgrind (they do not depend on the machine's load): two servers with the same
warm-up, one answering CALLS more calls; the difference divided by CALLS. Builds the example and
serves it against a throwaway, seeded Postgres database (TEST_PG_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/test).
About two minutes; needs valgrind.

  --http         count calls over Streamable HTTP instead of stdio: one keep-alive client,
                 static bearer (--auth-token-env), as the HTTP phase of 'npm run bench'
  --cold-start   instead count a start: spawn to the first tools/list answer, for
                 'node server.mjs' and for the shebang's flags
  -h, --help     this text

Environment:
  BENCH_INSTR_CALLS=N    measured calls (default 300)
  BENCH_INSTR_WARMUP=N   warm-up calls in both runs (default 300)
  BENCH_INSTR_JIT=1      keep V8's JIT (default: --jitless, which gives repeatable counts)
  BENCH_INSTR_ROUNDS=N   pairs of runs (default 5); prints each and the median
  BENCH_INSTR_OUT=DIR    keep the callgrind files
  BENCH_INSTR_JSON=1     print the figures as JSON
  BENCH_LEDGER=postgres  the ledger in a second throwaway Postgres database instead of SQLite`,
};
const { values: options } = parseBenchArgs(CLI, { options: { "cold-start": { type: "boolean" }, http: { type: "boolean" } } });
if (options.http && options["cold-start"]) usageError(CLI, "--http and --cold-start measure different things; give one");
const TRANSPORT = options.http ? "http" : "stdio";
const CALLS = wholeNumber(CLI, "BENCH_INSTR_CALLS", process.env.BENCH_INSTR_CALLS, 300);
const WARMUP = wholeNumber(CLI, "BENCH_INSTR_WARMUP", process.env.BENCH_INSTR_WARMUP, 300);
const ROUNDS = wholeNumber(CLI, "BENCH_INSTR_ROUNDS", process.env.BENCH_INSTR_ROUNDS, 5);
const JIT = process.env.BENCH_INSTR_JIT === "1";
const LEDGER_PG = process.env.BENCH_LEDGER === "postgres";
/**
 * Measurement only: no V8 helper threads (their share of GC and compilation depends on timing), fixed
 * seeds (start-up searches for a random hash seed, a few million instructions that vary by run), and
 * no memory reducer (a timer that starts a full GC, ~50 million instructions, when the process looks
 * idle: under valgrind's slowdown it fired in some runs and not others).
 */
const REPEATABLE_V8_FLAGS = ["--single-threaded", "--hash-seed=1", "--random-seed=1", "--no-memory-reducer"];
const TENANT = "tenant_acme";
const INVOICES = ["INV-3001", "INV-3002", "INV-3003", "INV-3004", "INV-3005"];
const HTTP_TOKEN = "bench-instructions-token-0123456789";
const CALL_PARAMS = INVOICES.map((id) => `{"name":"billing.inspect_invoice","arguments":{"invoice_id":"${id}"}}`);
const INITIALIZE_PARAMS = `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}`;

async function buildExample(dir: string): Promise<string> {
  const outDir = join(dir, "out");
  let config = EXAMPLE_CONFIG_PATH;
  if (LEDGER_PG) {
    const contract = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8"));
    contract.storage = { postgres_url_env: "BENCH_LEDGER_URL" };
    config = join(dir, "synapsor.runner.json");
    writeFileSync(config, JSON.stringify(contract));
  }
  const result = await runCli(["build", "--config", config, "--out", outDir, "--schema", join(EXAMPLE_DIR, "synapsor.schema.json")]);
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return join(outDir, "server.mjs");
}

/** Total instructions (Ir) of one callgrind file, all threads included. */
function totalInstructions(file: string): number {
  const match = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(file, "utf8"));
  if (!match) throw new Error(`no instruction total in ${file}`);
  return Number(match[1]);
}

/**
 * Loaded with --require before server.mjs: once the answer to tools/list (id 2) has been written
 * to stdout, the process exits. Wraps process.stdout's getter, so the stream is still made when the
 * server first asks for it, not earlier.
 */
const EXIT_AFTER_LIST = `"use strict";
const getter = Object.getOwnPropertyDescriptor(process, "stdout").get;
Object.defineProperty(process, "stdout", {
  configurable: true,
  get() {
    const stream = getter.call(process);
    const write = stream.write;
    stream.write = function (chunk, ...rest) {
      if (String(chunk).includes('"id":2,')) return write.call(this, chunk, () => process.exit(0));
      return write.call(this, chunk, ...rest);
    };
    Object.defineProperty(process, "stdout", { configurable: true, value: stream });
    return stream;
  },
});
`;
const START_REQUESTS = [
  `{"jsonrpc":"2.0","id":1,"method":"initialize","params":${INITIALIZE_PARAMS}}`,
  `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
  `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
].join("\n") + "\n";

/** Instructions from spawn to the written tools/list answer, under callgrind; `flags` are node's own (the launch style). */
async function countStart(serverPath: string, env: NodeJS.ProcessEnv, work: string, tag: string, flags: readonly string[], store: string): Promise<number> {
  const out = join(work, `callgrind.${tag}.out`);
  const preload = join(work, "exit-after-list.cjs");
  writeFileSync(preload, EXIT_AFTER_LIST);
  const node = [...flags, ...REPEATABLE_V8_FLAGS, ...(JIT ? [] : ["--jitless"]), "--require", preload];
  const child = spawn("valgrind", ["--tool=callgrind", "--quiet", `--callgrind-out-file=${out}`, process.execPath, ...node, serverPath, "serve", "--transport", "stdio", "--store", store], {
    cwd: work,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.stdin!.end(START_REQUESTS);
  const code = await exited;
  if (code !== 0 || !stdout.includes('"tools":[')) throw new Error(`start under callgrind failed (exit ${code}): ${stderr.slice(-2000)}${stdout.slice(0, 300)}`);
  return totalInstructions(out);
}

/** Serves warm-up + `calls` sequential lookups under callgrind and returns the process's instructions. */
async function countRun(serverPath: string, env: NodeJS.ProcessEnv, work: string, tag: string, calls: number): Promise<number> {
  const out = join(work, `callgrind.${tag}.out`);
  const node = [...RECOMMENDED_NODE_FLAGS, ...REPEATABLE_V8_FLAGS, ...(JIT ? [] : ["--jitless"])];
  const port = TRANSPORT === "http" ? await freePort() : 0;
  const transport = TRANSPORT === "http" ? ["--transport", "http", "--port", String(port), "--auth-token-env", "BENCH_HTTP_TOKEN"] : ["--transport", "stdio"];
  const child = spawn(
    "valgrind",
    ["--tool=callgrind", "--quiet", `--callgrind-out-file=${out}`, process.execPath, ...node, serverPath, "serve", ...transport, ...(LEDGER_PG ? [] : ["--store", join(work, `${tag}.db`)])],
    { cwd: work, env: { ...env, BENCH_HTTP_TOKEN: HTTP_TOKEN }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const call = await connect(child, port, () => stderr);
  for (let i = 0; i < WARMUP + calls; i++) {
    const reply = await call(CALL_PARAMS[i % CALL_PARAMS.length]!);
    if (!reply.includes('"ok":true')) throw new Error(`call ${i} failed: ${reply.slice(0, 300)}`);
  }
  // stdio ends with its input; HTTP drains on SIGTERM. Either way the server exits 0 and callgrind writes its file.
  if (TRANSPORT === "http") child.kill("SIGTERM");
  else child.stdin!.end();
  const code = await exited;
  if (code !== 0) throw new Error(`server under callgrind exited with ${code}: ${stderr.slice(-2000)}`);
  return totalInstructions(out);
}

type CallTool = (paramsJson: string) => Promise<string>;

/** Initializes the server over its transport and returns a sequential tools/call. */
async function connect(child: ReturnType<typeof spawn>, port: number, stderr: () => string): Promise<CallTool> {
  if (TRANSPORT === "stdio") {
    const client = new StdioRpcClient(child);
    await client.request("initialize", INITIALIZE_PARAMS);
    client.notify("notifications/initialized");
    return (params) => client.request("tools/call", params);
  }
  // Under callgrind a start takes seconds: wait for the server's own line saying it listens.
  await new Promise<void>((resolve, reject) => {
    const listening = () => {
      if (!stderr().includes("server_started")) return;
      child.off("exit", failed);
      child.stderr!.off("data", listening);
      resolve();
    };
    const failed = (code: number | null) => reject(new Error(`HTTP server under callgrind exited with ${code} before listening: ${stderr().slice(-2000)}`));
    child.stderr!.on("data", listening);
    child.once("exit", failed);
  });
  const client = new HttpRpcClient(`http://127.0.0.1:${port}/mcp`, HTTP_TOKEN, 1);
  child.once("exit", () => client.close());
  await client.request("initialize", INITIALIZE_PARAMS);
  return (params) => client.request("tools/call", params);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "synapsor-instr-"));
  const keep = process.env.BENCH_INSTR_OUT;
  if (keep) mkdirSync(keep, { recursive: true });
  let db: TestDatabase | undefined;
  let ledgerDb: TestDatabase | undefined;
  try {
    db = await createPostgresDatabase("srinstr");
    await seedExample(db);
    const serverPath = await buildExample(work);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: "bench" };
    if (LEDGER_PG) {
      ledgerDb = await createPostgresDatabase("srinstrledger");
      env.BENCH_LEDGER_URL = ledgerDb.url;
      env.SYNAPSOR_LEDGER_KEY = randomBytes(32).toString("base64url");
    }
    if (options["cold-start"]) {
      await coldStarts(serverPath, env, keep ?? work);
      return;
    }
    const perCall: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = keep ?? work;
      // The two runs share nothing but the database; side by side they take half the time.
      const [short, long] = await Promise.all([
        countRun(serverPath, env, dir, `short${round}`, 0),
        countRun(serverPath, env, dir, `long${round}`, CALLS),
      ]);
      perCall.push((long - short) / CALLS);
      if (!process.env.BENCH_INSTR_JSON) {
        console.log(`round ${round + 1}: ${short.toLocaleString("en")} → ${long.toLocaleString("en")} instructions; ${Math.round(perCall.at(-1)!).toLocaleString("en")} per call`);
      }
    }
    const result = { transport: TRANSPORT, ledger: LEDGER_PG ? "postgres" : "sqlite", calls: CALLS, warmup: WARMUP, jit: JIT, rounds: ROUNDS, instructionsPerCall: Math.round(median(perCall)), each: perCall.map(Math.round) };
    if (process.env.BENCH_INSTR_JSON) console.log(JSON.stringify(result));
    else console.log(`instructions per call (${TRANSPORT}, ${result.ledger} ledger; median of ${ROUNDS}, ${CALLS} calls after ${WARMUP} warm-up, ${JIT ? "JIT" : "--jitless"}): ${result.instructionsPerCall.toLocaleString("en")}`);
  } finally {
    await db?.drop().catch(() => undefined);
    await ledgerDb?.drop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

/** `--cold-start`: ROUNDS starts of each launch style, after one that makes the store; prints medians. */
async function coldStarts(serverPath: string, env: NodeJS.ProcessEnv, dir: string): Promise<void> {
  const store = join(dir, "cold.db");
  await countStart(serverPath, env, dir, "cold-setup", [], store);
  const styles = { "node server.mjs": [] as string[], "shebang flags": [...RECOMMENDED_NODE_FLAGS] };
  const counts: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [style, flags] of Object.entries(styles)) {
      const count = await countStart(serverPath, env, dir, `cold${round}-${flags.length}`, flags, store);
      (counts[style] ??= []).push(count);
      if (!process.env.BENCH_INSTR_JSON) console.log(`round ${round + 1}, ${style}: ${count.toLocaleString("en")} instructions to the first tools/list`);
    }
  }
  const medians = Object.fromEntries(Object.entries(counts).map(([style, each]) => [style, Math.round(median(each))]));
  if (process.env.BENCH_INSTR_JSON) console.log(JSON.stringify({ mode: "cold-start", jit: JIT, rounds: ROUNDS, medians, each: counts }));
  else for (const [style, value] of Object.entries(medians)) console.log(`instructions to the first tools/list, ${style} (median of ${ROUNDS}, ${JIT ? "JIT" : "--jitless"}): ${value.toLocaleString("en")}`);
}

await main();
