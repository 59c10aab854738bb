// The two inputs of `benchmark mcp-efficiency` that are not measured live, shipped in
// examples/mcp-efficiency/: the tools/list result of a generic raw-SQL database MCP server, and
// the scripted calls each path makes for one task on the support-billing example. Both are read
// and checked here; a malformed file is a value with a code, not a crash.

import { readFileSync } from "node:fs";
import { packageFile } from "../../compiler/package-root.ts";

export const RAW_SQL_TOOLS_FILE = "examples/mcp-efficiency/raw-sql-tools.json";
export const TRANSCRIPT_FILE = "examples/mcp-efficiency/waive-late-fee.transcript.json";

/** One tool as tools/list describes it; only the parts the benchmark reads are typed. */
export interface ListedTool {
  name: string;
  description?: string;
  inputSchema?: { properties?: Record<string, { type?: unknown; enum?: unknown; description?: string }>; [key: string]: unknown };
  annotations?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A tools/list result: the object measured for bytes and tokens, exactly as listed. */
export interface ToolsListResult {
  tools: ListedTool[];
  [key: string]: unknown;
}

export interface ScriptedCall {
  why: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** The JSON the tool returns; the model reads it as its compact JSON text. */
  result: unknown;
}

export interface ScriptedPath {
  calls: ScriptedCall[];
  /** Steps that happen outside MCP (a person's approval): named, never counted as model calls. */
  outside_mcp: string[];
}

export interface Transcript {
  task: string;
  raw_sql: ScriptedPath;
  semantic: ScriptedPath;
}

export type FixtureResult<T> = { ok: true; value: T } | { ok: false; code: "BENCHMARK_FIXTURE_INVALID"; message: string; fix: string };

export function readRawSqlTools(path: string = packageFile(RAW_SQL_TOOLS_FILE)): FixtureResult<ToolsListResult> {
  const parsed = readJson(path);
  if (!parsed.ok) return parsed;
  const list = toolsListProblem(parsed.value);
  return list === undefined ? { ok: true, value: parsed.value as ToolsListResult } : invalid(path, list);
}

export function readTranscript(path: string = packageFile(TRANSCRIPT_FILE)): FixtureResult<Transcript> {
  const parsed = readJson(path);
  if (!parsed.ok) return parsed;
  const value = parsed.value as Record<string, unknown>;
  if (typeof value?.task !== "string") return invalid(path, "`task` must be a string");
  for (const side of ["raw_sql", "semantic"] as const) {
    const problem = pathProblem(value[side]);
    if (problem !== undefined) return invalid(path, `\`${side}\`: ${problem}`);
  }
  return { ok: true, value: value as unknown as Transcript };
}

/** Why `value` is not a tools/list result with named tools, or undefined when it is one. */
export function toolsListProblem(value: unknown): string | undefined {
  const tools = (value as { tools?: unknown })?.tools;
  if (!Array.isArray(tools)) return "it must be a tools/list result: an object with a `tools` array";
  const unnamed = tools.findIndex((t) => typeof (t as { name?: unknown })?.name !== "string");
  return unnamed === -1 ? undefined : `tools[${unnamed}] has no string \`name\``;
}

function pathProblem(value: unknown): string | undefined {
  const path = value as Partial<ScriptedPath> | undefined;
  if (!Array.isArray(path?.calls) || path.calls.length === 0) return "`calls` must be a non-empty array";
  if (!Array.isArray(path.outside_mcp) || path.outside_mcp.some((s) => typeof s !== "string")) return "`outside_mcp` must be an array of strings";
  for (const [i, call] of path.calls.entries()) {
    if (typeof call?.tool !== "string" || typeof call.why !== "string") return `calls[${i}] needs a string \`tool\` and \`why\``;
    if (call.arguments === null || typeof call.arguments !== "object" || Array.isArray(call.arguments)) return `calls[${i}].arguments must be an object`;
    if (!("result" in call)) return `calls[${i}] has no \`result\``;
  }
  return undefined;
}

function readJson(path: string): FixtureResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(readFileSync(path, "utf8")) };
  } catch (err) {
    return invalid(path, err instanceof Error ? err.message : String(err));
  }
}

function invalid(path: string, problem: string): { ok: false; code: "BENCHMARK_FIXTURE_INVALID"; message: string; fix: string } {
  return {
    ok: false,
    code: "BENCHMARK_FIXTURE_INVALID",
    message: `The benchmark input ${path} cannot be used: ${problem}.`,
    fix: "Restore it from the synapsor-runner package (examples/mcp-efficiency/), or correct it to the shape the others have.",
  };
}
