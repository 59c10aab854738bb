// CPU of one CLI command, start to exit, as a user runs it (`node bin/synapsor-runner.js …`):
// the process's own user+system time plus that of the children it waited for (a build's
// type-check compiler; on Linux, from /proc/self/stat; esbuild's service child is not waited for
// and not counted), median of several interleaved rounds. With --base DIR the same commands run from another checkout in
// the same rounds, so a change is judged by the ratio on one machine at one time.
// Run: npx node bench/cli-start.ts [--rounds 7] [--base ../other-checkout] [--json]

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../test/support/cli.ts";
import { parseBenchArgs, usageError, wholeNumber } from "./lib/cli-args.ts";
import { median } from "./lib/stats.ts";

const CLI = {
  name: "cli-start",
  usage: `Usage: npx node bench/cli-start.ts [--rounds N] [--base CHECKOUT] [--json]

CPU (user + system, with waited-for children) of a few CLI commands, start to exit, median of
interleaved rounds.

  --rounds N         rounds (default 7)
  --base CHECKOUT    also run the commands from another checkout in the same rounds, with the ratio
  --json             print the rounds, medians and samples as JSON
  -h, --help         this text`,
};

const EXAMPLE = "examples/support-billing";
const COMMANDS: Record<string, string[]> = {
  "version --json": ["version", "--json"],
  "proposals --help": ["proposals", "--help"],
  "config validate": ["config", "validate", "--config", `${EXAMPLE}/synapsor.runner.json`],
  "tools preview": ["tools", "preview", "--config", `${EXAMPLE}/synapsor.runner.json`, "--schema", `${EXAMPLE}/synapsor.schema.json`],
  build: ["build", "--config", `${EXAMPLE}/synapsor.runner.json`, "--schema", `${EXAMPLE}/synapsor.schema.json`, "--out", "OUT"],
  "--help": ["--help"],
};

// Loaded into each run with --import: writes the process's CPU time, and its waited-for children's
// (fields 16 and 17 of /proc/self/stat, in clock ticks of 10 ms), to the file named in the environment.
const CPU_HOOK =
  'import { appendFileSync, existsSync, readFileSync } from "node:fs"; process.on("exit", () => { const u = process.cpuUsage();' +
  ' const raw = existsSync("/proc/self/stat") ? readFileSync("/proc/self/stat", "utf8") : "";' +
  ' const stat = raw.slice(raw.lastIndexOf(")") + 2).split(" ");' +
  " const children = stat.length > 15 ? (Number(stat[13]) + Number(stat[14])) * 10 : 0;" +
  " appendFileSync(process.env.SR_BENCH_CPU_FILE, String((u.user + u.system) / 1000 + children) + '\\n'); });";

function cpuOf(checkout: string, args: string[], scratch: string): number {
  const file = join(scratch, "cpu");
  rmSync(file, { force: true });
  const run = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(CPU_HOOK)}`, join(checkout, "bin/synapsor-runner.js"), ...args.map((a) => (a === "OUT" ? join(scratch, "out") : a))], {
    cwd: checkout,
    env: { ...process.env, SR_BENCH_CPU_FILE: file },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`${args.join(" ")} failed in ${checkout} (${run.status}):\n${run.stderr}`);
  return Number(readFileSync(file, "utf8").trim());
}

const { values } = parseBenchArgs(CLI, { options: { rounds: { type: "string" }, base: { type: "string" }, json: { type: "boolean" } } });
const rounds = wholeNumber(CLI, "--rounds", values.rounds, 7);
if (values.base !== undefined && !existsSync(join(values.base, "bin/synapsor-runner.js"))) usageError(CLI, `--base ${values.base} is not a checkout of synapsor-runner (no bin/synapsor-runner.js)`);
const trees: Record<string, string> = { this: REPO_ROOT, ...(values.base ? { base: values.base } : {}) };
const scratch = mkdtempSync(join(tmpdir(), "sr-cli-start-"));
const samples = new Map<string, number[]>();
try {
  for (let round = 1; round <= rounds; round++) {
    if (!values.json) process.stderr.write(`round ${round}/${rounds}\n`);
    for (const [label, args] of Object.entries(COMMANDS)) {
      for (const [tree, checkout] of Object.entries(trees)) {
        const key = `${tree}\t${label}`;
        samples.set(key, [...(samples.get(key) ?? []), cpuOf(checkout, args, scratch)]);
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const rows = Object.keys(COMMANDS).map((label) => {
  const here = median(samples.get(`this\t${label}`)!);
  const base = values.base ? median(samples.get(`base\t${label}`)!) : undefined;
  return { command: label, cpu_ms: here, base_cpu_ms: base };
});
if (values.json) {
  process.stdout.write(`${JSON.stringify({ rounds, rows, samples: Object.fromEntries(samples) }, null, 2)}\n`);
} else {
  process.stdout.write(`CPU per command, median of ${rounds} rounds (ms)${values.base ? `; base = ${values.base}` : ""}\n`);
  for (const row of rows) {
    const base = row.base_cpu_ms === undefined ? "" : `   base ${row.base_cpu_ms.toFixed(0).padStart(6)}   ratio ${(row.cpu_ms / row.base_cpu_ms).toFixed(2)}`;
    process.stdout.write(`${row.command.padEnd(18)} ${row.cpu_ms.toFixed(0).padStart(6)}${base}\n`);
  }
}
