// The semantic side's tool list, as a client receives it: the example config is compiled into a
// private temporary directory (from its committed schema snapshot, no database), the bundle
// server.mjs is started over stdio like any MCP server, and its tools/list result is returned
// exactly as the server sent it. Nothing about our tools is written down anywhere else.
//
// The compile skips one stage, the type-check of the generated sources (compiler/pipeline.ts):
// it checks the code generator, changes no byte of server.mjs, and is most of the build's time.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RECOMMENDED_NODE_FLAGS } from "../../compiler/bundle/node-flags.ts";
import type { Contract } from "../../compiler/config/contract.ts";
import { formatDiagnostics } from "../../compiler/diagnostics.ts";
import { compile } from "../../compiler/pipeline.ts";
import { LATEST_PROTOCOL_VERSION } from "../../runtime/mcp/protocol.ts";
import { toolsListProblem, type ToolsListResult } from "./fixtures.ts";

export interface ServedToolsInput {
  configPath: string;
  snapshotPath: string;
}

export type ServedTools =
  | { ok: true; result: ToolsListResult }
  | { ok: false; code: "BENCHMARK_BUILD_FAILED" | "BENCHMARK_SERVER_FAILED"; message: string; fix: string };

/** How long the started server has to answer initialize and tools/list. */
const ANSWER_TIMEOUT_MS = 15_000;

export async function servedToolsList(input: ServedToolsInput): Promise<ServedTools> {
  const dir = mkdtempSync(join(tmpdir(), "synapsor-benchmark-"));
  try {
    const built = await compile({ configPath: input.configPath, schema: { kind: "snapshot", path: input.snapshotPath }, typecheck: false, outDir: dir });
    if (!built.ok) {
      return {
        ok: false,
        code: "BENCHMARK_BUILD_FAILED",
        message: `The example did not compile (stage ${built.stage}).\n${formatDiagnostics(input.configPath, built.diagnostics)}`,
        fix: "Check that the package is complete (examples/support-billing/), or reinstall synapsor-runner.",
      };
    }
    const serverPath = join(dir, "server.mjs");
    writeFileSync(serverPath, built.files.get("server.mjs")!, { mode: 0o600 });
    return await listOverStdio(serverPath, join(dir, "ledger.db"), serverEnv(built.contract, built.plan.trustedContext));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the server needs to start: a read URL per source that points nowhere (tools/list never
 * touches the database; a URL with no password and an unused port), and a trusted tenant and
 * principal under the variables the contract names.
 */
function serverEnv(contract: Contract, trusted: { tenantIdEnv: string; principalEnv: string }): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const source of Object.values(contract.sources)) {
    env[source.read_url_env] = `${source.engine === "mysql" ? "mysql" : "postgres"}://benchmark@127.0.0.1:1/none`;
  }
  env[trusted.tenantIdEnv] = "benchmark_tenant";
  env[trusted.principalEnv] = "benchmark";
  return env;
}

async function listOverStdio(serverPath: string, ledgerPath: string, env: Record<string, string>): Promise<ServedTools> {
  // Loaded here, not at the top: only this command needs the SDK's transport.
  const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...RECOMMENDED_NODE_FLAGS, serverPath, "serve", "--transport", "stdio", "--store", ledgerPath, "--pool-size", "1"],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-2000);
  });
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  transport.onmessage = (message) => {
    const m = message as { id?: unknown; result?: unknown; error?: { message?: string } };
    const w = typeof m.id === "number" ? waiting.get(m.id) : undefined;
    if (!w) return;
    waiting.delete(m.id as number);
    if (m.error) w.reject(new Error(m.error.message ?? "error response"));
    else w.resolve(m.result);
  };
  transport.onerror = (err) => failAll(err);
  transport.onclose = () => failAll(new Error("the server closed its output"));
  let nextId = 1;
  const request = (method: string, params: Record<string, unknown>) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS);
      const settle = { resolve: (r: unknown) => (clearTimeout(timer), resolve(r)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      waiting.set(id, settle);
      transport.send({ jsonrpc: "2.0", id, method, params }).catch(settle.reject);
    });
  try {
    await transport.start();
    await request("initialize", { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "synapsor-runner-benchmark", version: "1" } });
    await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const result = await request("tools/list", {});
    const problem = toolsListProblem(result);
    if (problem !== undefined) throw new Error(`its tools/list result is malformed: ${problem}`);
    return { ok: true, result: result as ToolsListResult };
  } catch (err) {
    return {
      ok: false,
      code: "BENCHMARK_SERVER_FAILED",
      message: `The compiled example server did not list its tools: ${err instanceof Error ? err.message : String(err)}.${stderr ? `\nIts stderr ended with:\n${stderr.trim()}` : ""}`,
      fix: "Run `synapsor-runner doctor` to check this Node.js and the install, then run the benchmark again.",
    };
  } finally {
    transport.onclose = undefined;
    await transport.close().catch(() => undefined);
  }
}
