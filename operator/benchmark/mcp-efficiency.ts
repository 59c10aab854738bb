// `benchmark mcp-efficiency`: the same task on the shipped example, done by a model through a
// generic raw-SQL database MCP server and through the server this runner compiles from the
// example. Our side's tool list is the compiled bundle's real tools/list (served-tools.ts); the
// raw-SQL server's list and both scripted transcripts are the files in examples/mcp-efficiency/.
// docs/mcp-efficiency.md explains the method and its limits.

import { EXAMPLE_CONFIG_PATH, EXAMPLE_SNAPSHOT_PATH } from "../demo/example-files.ts";
import { RAW_SQL_TOOLS_FILE, readRawSqlTools, readTranscript, TRANSCRIPT_FILE } from "./fixtures.ts";
import { measurePath, type PathFigures } from "./measure.ts";
import { servedToolsList } from "./served-tools.ts";
import { TOKENIZER } from "./tokens.ts";

export interface EfficiencyReport {
  benchmark: "mcp-efficiency";
  task: string;
  /** Package-relative paths of what was measured. */
  inputs: { example_config: string; raw_sql_tools: string; transcript: string };
  tokenizer: typeof TOKENIZER;
  semantic: PathFigures;
  raw_sql: PathFigures;
}

export type EfficiencyResult = { ok: true; report: EfficiencyReport } | { ok: false; code: string; message: string; fix: string };

export async function runMcpEfficiency(): Promise<EfficiencyResult> {
  const rawTools = readRawSqlTools();
  if (!rawTools.ok) return rawTools;
  const transcript = readTranscript();
  if (!transcript.ok) return transcript;
  const served = await servedToolsList({ configPath: EXAMPLE_CONFIG_PATH, snapshotPath: EXAMPLE_SNAPSHOT_PATH });
  if (!served.ok) return served;

  const semantic = measurePath("semantic", served.result, transcript.value.semantic);
  if (!semantic.ok) return semantic;
  const rawSql = measurePath("raw_sql", rawTools.value, transcript.value.raw_sql);
  if (!rawSql.ok) return rawSql;
  return {
    ok: true,
    report: {
      benchmark: "mcp-efficiency",
      task: transcript.value.task,
      inputs: { example_config: "examples/support-billing/synapsor.runner.json", raw_sql_tools: RAW_SQL_TOOLS_FILE, transcript: TRANSCRIPT_FILE },
      tokenizer: TOKENIZER,
      semantic: semantic.figures,
      raw_sql: rawSql.figures,
    },
  };
}
