// Cold start of compiled servers, A/B: spawn → first `tools/list` answered over stdio, for each
// given server.mjs, launched both as `node server.mjs` and through its shebang, in alternating
// rounds so neighbours on a shared machine hit every variant alike. Prints medians of the wall
// time and of the server's CPU time up to that answer, which load moves less. CPU comes two ways:
// "CPU" is user + system from /proc/<pid>/stat (10 ms ticks; every thread the pid ever ran,
// through the shebang's env and any execve); "CPU ns" sums /proc/<pid>/task/*/schedstat (ns,
// but only the threads alive at the answer: threads of an image replaced by execve are missed).
// --toolbox adds Google's MCP Toolbox, when cached (bench/lib/toolbox.ts), as a same-run reference.
// Run: npx node bench/cold-start.ts [--rounds N] [--json] [--toolbox] [LABEL=PATH/TO/server.mjs ...]
//   (no paths: builds the example with this checkout's CLI)

import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresDatabase } from "../test/support/databases.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR, seedExample } from "../test/support/example.ts";
import { runCli } from "../test/support/cli.ts";
import { parseBenchArgs, usageError, wholeNumber } from "./lib/cli-args.ts";
import { cpuMs } from "./lib/proc.ts";
import { median, msSince } from "./lib/stats.ts";
import { StdioRpcClient } from "./lib/stdio-client.ts";
import { cachedToolbox, toolboxConfig } from "./lib/toolbox.ts";

const CLI = {
  name: "cold-start",
  usage: `Usage: npx node bench/cold-start.ts [--rounds N] [--json] [--toolbox] [LABEL=PATH/TO/server.mjs ...]

Cold start of compiled servers, A/B: spawn to the first tools/list answer over stdio, each server
launched as 'node server.mjs' and through its shebang, in alternating rounds; medians of wall time
and of the server's CPU time. Without LABEL=PATH arguments it builds the example with this
checkout's CLI. Needs the local PostgreSQL server (TEST_PG_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/test) for a throwaway, seeded database.
e.g. npx node bench/cold-start.ts --toolbox base=A/server.mjs new=B/server.mjs

  --rounds N     rounds (default 10)
  --json         print the medians and every run as JSON
  --toolbox      add Google's MCP Toolbox when cached (npm run bench -- --peers installs it)
  -h, --help     this text`,
};
const { values: options, positionals } = parseBenchArgs(CLI, {
  options: { rounds: { type: "string" }, json: { type: "boolean" }, toolbox: { type: "boolean" } },
  allowPositionals: true,
});
const ROUNDS = wholeNumber(CLI, "--rounds", options.rounds, 10);
const GIVEN = positionals.map((arg) => {
  const at = arg.indexOf("=");
  if (at < 1 || at === arg.length - 1) usageError(CLI, `expected LABEL=PATH/TO/server.mjs, not '${arg}'`);
  // Checked before the database is made, so a typo costs nothing.
  if (!existsSync(arg.slice(at + 1))) usageError(CLI, `no such file: ${arg.slice(at + 1)}`);
  return [arg.slice(0, at), arg.slice(at + 1)] as [string, string];
});

const INITIALIZE_PARAMS = `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}`;

type Variant = { label: string; command: string; args: string[]; env?: NodeJS.ProcessEnv };
type Timing = { wall: number; cpu: number; cpuNs: number };

/** CPU time of the threads of `pid` alive now, in ms, from schedstat's nanosecond counters. */
function liveThreadsCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e6;
}

async function coldStart(variant: Variant, cwd: string, env: NodeJS.ProcessEnv): Promise<Timing> {
  const start = process.hrtime.bigint();
  const child = spawn(variant.command, variant.args, { cwd, env: variant.env ?? env, stdio: ["pipe", "pipe", "ignore"] });
  const client = new StdioRpcClient(child);
  const init = client.request("initialize", INITIALIZE_PARAMS);
  client.notify("notifications/initialized");
  const list = await client.request("tools/list", "{}");
  const elapsed = msSince(start);
  const cpuNs = liveThreadsCpuMs(child.pid!);
  const cpu = cpuMs(child.pid!);
  await init;
  if (!list.includes('"tools"')) throw new Error(`${variant.label}: tools/list failed: ${list.slice(0, 300)}`);
  child.stdin!.end();
  await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
  return { wall: elapsed, cpu, cpuNs };
}

async function buildExample(dir: string): Promise<string> {
  const out = join(dir, "out");
  const result = await runCli(["build", "--config", EXAMPLE_CONFIG_PATH, "--out", out, "--schema", join(EXAMPLE_DIR, "synapsor.schema.json")]);
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stderr}`);
  return join(out, "server.mjs");
}

async function main(): Promise<void> {
  const toolbox = options.toolbox ? cachedToolbox() : undefined;
  if (options.toolbox && !toolbox) console.error("Toolbox is not cached (npm run bench -- --peers installs it); measuring the bundles alone");
  const work = mkdtempSync(join(tmpdir(), "synapsor-cold-"));
  const db = await createPostgresDatabase("srcold");
  try {
    await seedExample(db);
    const servers = GIVEN.length > 0 ? GIVEN : [["this", await buildExample(work)] as [string, string]];
    const variants: Variant[] = [];
    for (const [label, source] of servers) {
      // server.mjs alone in a directory, as an operator runs it.
      const dir = join(work, label);
      mkdirSync(dir);
      const path = join(dir, "server.mjs");
      copyFileSync(source, path);
      const serve = ["serve", "--transport", "stdio", "--store", join(dir, "ledger.db")];
      variants.push({ label: `${label} node server.mjs`, command: process.execPath, args: [path, ...serve] });
      variants.push({ label: `${label} ./server.mjs (shebang)`, command: path, args: serve });
    }
    if (toolbox) {
      // The same configuration as bench/peers.ts: one lookup tool on the same database.
      const config = join(work, "toolbox.yaml");
      writeFileSync(config, toolboxConfig({ databaseUrl: db.url, tenant: "tenant_acme", columns: ["id", "tenant_id", "status"] }));
      const toolboxEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? work };
      variants.push({ label: "toolbox --stdio", command: toolbox, args: ["--stdio", "--config", config, "--disable-version-check"], env: toolboxEnv });
    }
    const env = { PATH: process.env.PATH ?? "", SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "bench" };
    // One unmeasured start each creates and migrates the store and fills the compile cache.
    for (const v of variants) await coldStart(v, work, env);
    const times = new Map<string, Timing[]>(variants.map((v) => [v.label, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of r % 2 === 0 ? variants : [...variants].reverse()) times.get(v.label)!.push(await coldStart(v, work, env));
    }
    const result = variants.map((v) => {
      const runs = times.get(v.label)!;
      return {
        variant: v.label,
        medianMs: Number(median(runs.map((t) => t.wall)).toFixed(1)),
        medianCpuMs: median(runs.map((t) => t.cpu)),
        medianCpuNsMs: Number(median(runs.map((t) => t.cpuNs)).toFixed(1)),
        runsMs: runs.map((t) => Number(t.wall.toFixed(1))),
        runsCpuNsMs: runs.map((t) => Number(t.cpuNs.toFixed(1))),
      };
    });
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`median of ${ROUNDS} rounds; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
      for (const r of result) {
        console.log(`${r.variant.padEnd(40)} ${r.medianMs.toFixed(1).padStart(7)} ms wall ${r.medianCpuMs.toFixed(0).padStart(5)} ms CPU ${r.medianCpuNsMs.toFixed(1).padStart(6)} ms CPU ns`);
      }
    }
  } finally {
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
