// The official MCP conformance suite (@modelcontextprotocol/conformance) against the compiled
// example server, one spec era at a time, compared with a committed expected-failures baseline.
// Used by test/slow/mcp-conformance.test.ts and by `npm run conformance:baseline`.

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase } from "./databases.ts";
import { EXAMPLE_DIR, seedExample } from "./example.ts";
import { buildServer, exampleConfigFor, spawnHttpServer } from "./compiled-server.ts";
import type { EraOfBaseline, ScenarioOutcome } from "./conformance-baseline.ts";

export * from "./conformance-baseline.ts";

const modulePath = (name: string) => fileURLToPath(new URL(`../../node_modules/${name}/dist/index.js`, import.meta.url));

export interface Era extends EraOfBaseline {
  cli: string;
  /** Picks this era's scenarios from the suite's `list` (name and its bracketed tags). */
  selects(tags: string[]): boolean;
  /** Extra flags for `server --scenario`. */
  flags: string[];
}

export const ERAS: readonly Era[] = [
  {
    id: "2025",
    suite: "@modelcontextprotocol/conformance@0.1.16",
    cli: modulePath("@modelcontextprotocol/conformance"),
    // Every server scenario 0.1.16 has: all are 2025-06-18 or 2025-11-25 (the initialize handshake).
    selects: () => true,
    flags: [],
  },
  {
    id: "2026",
    suite: "@modelcontextprotocol/conformance@0.2.0-alpha.12",
    cli: modulePath("@modelcontextprotocol/conformance-2026"),
    // The scenarios tagged 2026-07-28, run at that wire version (stateless, _meta per request).
    // Extensions (tasks, skills) are optional by definition and the server declares none: not run.
    selects: (tags) => tags.includes("2026-07-28"),
    flags: ["--spec-version", "2026-07-28"],
  },
];


export interface ConformanceCheck {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
  details?: unknown;
}

export interface ScenarioResult extends ScenarioOutcome {
  code: number | null;
  checks: ConformanceCheck[];
  output: string;
}

function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // process.execPath is the repo's Node 24: the 0.2.0 line needs Node >= 22.
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The server scenarios of an era, in the suite's own order. */
export async function listScenarios(era: Era): Promise<string[]> {
  const { code, output } = await runNode([era.cli, "list"], 30_000);
  if (code !== 0) throw new Error(`${era.suite} list exited ${code}:\n${output}`);
  const section = output.split(/^Server scenarios.*$/m)[1]?.split(/^\S.*$/m)[0] ?? "";
  const scenarios: string[] = [];
  for (const match of section.matchAll(/^\s+- (\S+)(?: \[([^\]]*)\])?$/gm)) {
    if (era.selects((match[2] ?? "").split(","))) scenarios.push(match[1]!);
  }
  if (scenarios.length === 0) throw new Error(`no server scenarios for era ${era.id} in:\n${output}`);
  return scenarios;
}

/**
 * Runs one scenario. It passes when the suite exits 0, no check failed, and at least one check
 * succeeded: a run that verified nothing (only warnings, e.g. "no session id, cannot test SSE")
 * is not a pass.
 */
export async function runScenario(era: Era, url: string, scenario: string): Promise<ScenarioResult> {
  const outDir = await mkdtemp(join(tmpdir(), "mcp-conformance-"));
  try {
    const { code, output } = await runNode([era.cli, "server", "--url", url, "--scenario", scenario, ...era.flags, "-o", outDir], 90_000);
    const checks: ConformanceCheck[] = [];
    for (const dir of await readdir(outDir)) {
      const file = join(outDir, dir, "checks.json");
      checks.push(...(JSON.parse(await readFile(file, "utf8").catch(() => "[]")) as ConformanceCheck[]));
    }
    const passed = code === 0 && !checks.some((c) => c.status === "FAILURE") && checks.some((c) => c.status === "SUCCESS");
    return { scenario, passed, code, checks, output };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** A counting semaphore: each scenario is a process, and the machine is shared. */
export function limiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function limit<T>(task: () => Promise<T>): Promise<T> {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export async function runEra(era: Era, url: string, limit: ReturnType<typeof limiter>): Promise<ScenarioResult[]> {
  const scenarios = await listScenarios(era);
  return Promise.all(scenarios.map((scenario) => limit(() => runScenario(era, url, scenario))));
}

/** Why a scenario failed, in one line: the failed (or warned) checks and their messages. */
export function failureSummary(result: ScenarioResult): string {
  const bad = result.checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
  if (bad.length === 0) return `exit ${result.code}, ${result.checks.length} checks, none succeeded`;
  return bad.map((c) => `${c.status} ${c.id}: ${(c.errorMessage ?? JSON.stringify(c.details ?? "")).slice(0, 160)}`).join("; ");
}

export interface ConformanceServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The README's example (examples/support-billing) built by the real CLI and served over
 * Streamable HTTP against a freshly seeded Postgres database. The suite's client sends no
 * Authorization header, so the server runs unauthenticated, which it allows on loopback only.
 */
export async function startConformanceServer(): Promise<ConformanceServer> {
  const config = exampleConfigFor("postgres");
  config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
  const built = await buildServer(config, { ...process.env });
  const db = await createDatabase("postgres", "conformance");
  try {
    await seedExample(db);
    const env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-conformance" };
    const server = await spawnHttpServer(built.serverPath, built.runDir, env, ["--allow-unauthenticated", "--store", join(built.runDir, "conformance.db")]);
    return {
      url: server.url,
      async stop() {
        await server.stop();
        await db.drop();
        await rm(built.dir, { recursive: true, force: true });
        await rm(built.runDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}
