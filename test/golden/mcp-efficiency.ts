// The committed output of `synapsor-runner benchmark mcp-efficiency`, both forms, and how
// `npm run golden:update` (or `npm run golden:update -- mcp-efficiency`) records them.
// The CLI runs with the network blocked in its own process (test/support/no-network.ts).

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CLI, runProcess, type RunResult } from "../support/cli.ts";

export const EFFICIENCY_CASE = "mcp-efficiency";
export const EFFICIENCY_FILES = {
  json: fileURLToPath(new URL("./mcp-efficiency.json", import.meta.url)),
  text: fileURLToPath(new URL("./mcp-efficiency.txt", import.meta.url)),
} as const;
export const NO_NETWORK_PRELOAD = fileURLToPath(new URL("../support/no-network.ts", import.meta.url));

/** The command as a user runs it, with every network call in its process refused. */
export function runBenchmark(json: boolean): Promise<RunResult> {
  return runProcess(process.execPath, ["--import", NO_NETWORK_PRELOAD, CLI, "benchmark", "mcp-efficiency", ...(json ? ["--json"] : [])], {
    timeoutMs: 60_000,
  });
}

export async function produceEfficiencyOutputs(): Promise<{ json: string; text: string }> {
  const [json, text] = await Promise.all([runBenchmark(true), runBenchmark(false)]);
  for (const run of [json, text]) {
    if (run.code !== 0) throw new Error(`benchmark mcp-efficiency exited ${run.code}:\n${run.stderr}`);
  }
  return { json: json.stdout, text: text.stdout };
}

export function committedEfficiencyOutputs(): { json: string; text: string } {
  return { json: readFileSync(EFFICIENCY_FILES.json, "utf8"), text: readFileSync(EFFICIENCY_FILES.text, "utf8") };
}

export async function updateEfficiencySnapshots(): Promise<string> {
  const outputs = await produceEfficiencyOutputs();
  writeFileSync(EFFICIENCY_FILES.json, outputs.json);
  writeFileSync(EFFICIENCY_FILES.text, outputs.text);
  return `${EFFICIENCY_CASE}: recorded mcp-efficiency.json and mcp-efficiency.txt`;
}
