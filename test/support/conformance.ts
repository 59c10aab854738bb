// Runs scenarios of the official MCP conformance suite (@modelcontextprotocol/conformance)
// against a server URL and returns the checks it recorded.

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CONFORMANCE_CLI = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/conformance/dist/index.js", import.meta.url),
);

export interface ConformanceCheck {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO";
  errorMessage?: string;
}

/** Runs one scenario of the official suite; returns its exit code and the checks it recorded. */
export async function runScenario(url: string, scenario: string): Promise<{ code: number | null; checks: ConformanceCheck[]; output: string }> {
  const outDir = await mkdtemp(join(tmpdir(), "mcp-conformance-"));
  try {
    const child = spawn(process.execPath, [CONFORMANCE_CLI, "server", "--url", url, "--scenario", scenario, "-o", outDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const checks: ConformanceCheck[] = [];
    for (const dir of await readdir(outDir)) {
      checks.push(...(JSON.parse(await readFile(join(outDir, dir, "checks.json"), "utf8")) as ConformanceCheck[]));
    }
    return { code, checks, output };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

