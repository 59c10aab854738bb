// Cold start of compiled servers, A/B: spawn → first `tools/list` answered over stdio, for each
// given server.mjs, launched both as `node server.mjs` and through its shebang, in alternating
// rounds so neighbours on a shared machine hit every variant alike. Prints medians of the wall
// time and of the server's CPU time up to that answer (user + system from /proc, 10 ms ticks;
// the same pid across the shebang's env and the bundle's own re-exec), which load moves less.
// Run: node bench/cold-start.ts [--rounds N] [--json] [LABEL=PATH/TO/server.mjs ...]
//   (no paths: builds the example with this checkout's CLI)

import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresDatabase } from "../test/support/databases.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR, seedExample } from "../test/support/example.ts";
import { runCli } from "../test/support/cli.ts";
import { cpuMs } from "./lib/proc.ts";
import { median, msSince } from "./lib/stats.ts";
import { StdioRpcClient } from "./lib/stdio-client.ts";

const INITIALIZE_PARAMS = `{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}`;

type Variant = { label: string; command: string; args: string[] };

async function coldStart(variant: Variant, cwd: string, env: NodeJS.ProcessEnv): Promise<{ wall: number; cpu: number }> {
  const start = process.hrtime.bigint();
  const child = spawn(variant.command, variant.args, { cwd, env, stdio: ["pipe", "pipe", "ignore"] });
  const client = new StdioRpcClient(child);
  const init = client.request("initialize", INITIALIZE_PARAMS);
  client.notify("notifications/initialized");
  const list = await client.request("tools/list", "{}");
  const elapsed = msSince(start);
  const cpu = cpuMs(child.pid!);
  await init;
  if (!list.includes('"tools"')) throw new Error(`${variant.label}: tools/list failed: ${list.slice(0, 300)}`);
  child.stdin!.end();
  await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
  return { wall: elapsed, cpu };
}

async function buildExample(dir: string): Promise<string> {
  const out = join(dir, "out");
  const result = await runCli(["build", "--config", EXAMPLE_CONFIG_PATH, "--out", out, "--schema", join(EXAMPLE_DIR, "synapsor.schema.json")]);
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stderr}`);
  return join(out, "server.mjs");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  const roundsAt = argv.indexOf("--rounds");
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 10;
  const given = argv.filter((a, i) => a.includes("=") && argv[i - 1] !== "--rounds");
  const work = mkdtempSync(join(tmpdir(), "synapsor-cold-"));
  const db = await createPostgresDatabase("srcold");
  try {
    await seedExample(db);
    const servers = given.length > 0 ? given.map((a) => a.split("=", 2) as [string, string]) : [["this", await buildExample(work)] as [string, string]];
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
    const env = { PATH: process.env.PATH ?? "", SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "bench" };
    // One unmeasured start each creates and migrates the store and fills the compile cache.
    for (const v of variants) await coldStart(v, work, env);
    const times = new Map<string, { wall: number; cpu: number }[]>(variants.map((v) => [v.label, []]));
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 === 0 ? variants : [...variants].reverse()) times.get(v.label)!.push(await coldStart(v, work, env));
    }
    const result = variants.map((v) => {
      const runs = times.get(v.label)!;
      return {
        variant: v.label,
        medianMs: Number(median(runs.map((t) => t.wall)).toFixed(1)),
        medianCpuMs: median(runs.map((t) => t.cpu)),
        runsMs: runs.map((t) => Number(t.wall.toFixed(1))),
      };
    });
    if (json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`median of ${rounds} rounds; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
      for (const r of result) console.log(`${r.variant.padEnd(40)} ${r.medianMs.toFixed(1).padStart(7)} ms wall ${r.medianCpuMs.toFixed(0).padStart(5)} ms CPU`);
    }
  } finally {
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
