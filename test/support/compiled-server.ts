// Builds a config with the real CLI and runs the resulting server.mjs the way an operator
// would: copied alone into an empty directory, driven by the MCP SDK's real Client.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { spawn, type ChildProcess } from "node:child_process";
import { runCli } from "./cli.ts";
import { EXAMPLE_CONFIG_PATH } from "./example.ts";
import { freePort } from "./ports.ts";

export function tempDir(prefix = "synapsor-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An example config (default the support-billing one) adapted to an engine: MySQL uses the connection's database, so no schema. */
export function exampleConfigFor(engine: "postgres" | "mysql", path = EXAMPLE_CONFIG_PATH): Record<string, any> {
  const config = JSON.parse(readFileSync(path, "utf8"));
  for (const source of Object.values<any>(config.sources)) source.engine = engine;
  if (engine === "mysql") for (const cap of config.capabilities) delete cap.target.schema;
  return config;
}

/** Builds with `--from-env VAR` when given, else from the config's build.schema_snapshot. */
export async function buildServer(config: object, env: NodeJS.ProcessEnv, fromEnv?: string) {
  const dir = tempDir("synapsor-build-");
  const configPath = join(dir, "synapsor.runner.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n");
  const outDir = join(dir, "out");
  const schemaFlags = fromEnv ? ["--from-env", fromEnv] : [];
  const result = await runCli(["build", "--config", configPath, "--out", outDir, ...schemaFlags], { env });
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  // The operator's view: the bundle alone, in a directory with no node_modules.
  const runDir = tempDir("synapsor-run-");
  copyFileSync(join(outDir, "server.mjs"), join(runDir, "server.mjs"));
  return { dir, configPath, outDir, runDir, serverPath: join(runDir, "server.mjs"), buildOutput: result };
}

export interface StdioSession {
  client: Client;
  stderr: () => string;
  close(): Promise<void>;
}

export async function connectStdio(
  serverPath: string,
  cwd: string,
  env: Record<string, string>,
  extraArgs: string[] = [],
  node: string = process.execPath,
): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: node,
    args: [serverPath, "serve", "--transport", "stdio", ...extraArgs],
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "synapsor-e2e", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export interface HttpSession {
  client: Client;
  url: string;
  child: ChildProcess;
  stderr: () => string;
  close(): Promise<void>;
}

/** Starts `serve --transport http` on a free port and connects a client with the bearer token. */
export async function connectHttp(
  serverPath: string,
  cwd: string,
  env: Record<string, string>,
  token: string,
  extraArgs: string[] = [],
): Promise<HttpSession> {
  const server = await spawnHttpServer(serverPath, cwd, { ...env, TEST_HTTP_TOKEN: token }, ["--auth-token-env", "TEST_HTTP_TOKEN", ...extraArgs]);
  const client = new Client({ name: "synapsor-e2e-http", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return {
    client,
    ...server,
    async close() {
      await client.close();
      await server.stop();
    },
  };
}

export interface HttpServerProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `serve --transport http` on a free port with the given flags and waits until it listens. */
export async function spawnHttpServer(serverPath: string, cwd: string, env: Record<string, string>, extraArgs: string[] = []): Promise<HttpServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [serverPath, "serve", "--transport", "http", "--port", String(port), ...extraArgs], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    child.stderr!.on("data", () => {
      if (stderr.includes("server_started")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** The envelope from a tool result, checking that text content and structuredContent agree. */
export function envelopeOf(result: any): any {
  const fromText = JSON.parse(result.content[0].text);
  const structured = result.structuredContent;
  if (JSON.stringify(fromText) !== JSON.stringify(structured)) throw new Error("content text and structuredContent differ");
  return structured;
}
