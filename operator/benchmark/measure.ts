// One column of the efficiency benchmark: a server's tools/list result and the scripted calls
// a model makes through it for the task, measured the same way for both servers.
//
// tools_list_bytes: the tools/list result as compact JSON, in UTF-8 bytes.
// tokens: that JSON, plus for every call the model's request ({"name","arguments"} as JSON) and
// the tool's result text (compact JSON, as both servers return it), counted by tokens.ts.
// calls: the calls the model makes; steps outside MCP (a person's approval) are listed apart.
// prompt_tokens_all_turns: what an agent loop sends over the whole task, since it sends the tool
// list and the conversation so far with every model request: n calls take n + 1 requests, the
// k-th (from 0) carrying tools/list and calls 0..k-1 with their results.

import { Ajv2020 } from "ajv/dist/2020.js";
import type { ScriptedPath, ToolsListResult } from "./fixtures.ts";
import { safetyColumns, type SafetyColumns } from "./safety.ts";
import { tokenCount } from "./tokens.ts";

export interface PathFigures {
  tool_count: number;
  tools_list_bytes: number;
  tokens: number;
  calls: number;
  raw_sql_exposed: boolean;
  tenant_controlled_by_model: boolean;
  approval_separated: boolean;
  tokens_tools_list: number;
  tokens_calls: number;
  prompt_tokens_all_turns: number;
  tools_called: string[];
  steps_outside_mcp: string[];
  safety_why: SafetyColumns["why"];
}

export type Measured = { ok: true; figures: PathFigures } | { ok: false; code: "BENCHMARK_TRANSCRIPT_MISMATCH"; message: string; fix: string };

export function measurePath(side: string, list: ToolsListResult, path: ScriptedPath): Measured {
  const mismatch = transcriptMismatch(list, path);
  if (mismatch !== undefined) {
    return {
      ok: false,
      code: "BENCHMARK_TRANSCRIPT_MISMATCH",
      message: `The ${side} transcript does not fit the ${side} tool list: ${mismatch}.`,
      fix: "The scripted calls must name listed tools with arguments their inputSchema accepts: update examples/mcp-efficiency/waive-late-fee.transcript.json with the example's tools.",
    };
  }
  const listJson = JSON.stringify(list);
  const tokensToolsList = tokenCount(listJson);
  const perCall = path.calls.map((call) => tokenCount(JSON.stringify({ name: call.tool, arguments: call.arguments })) + tokenCount(JSON.stringify(call.result)));
  const tokensCalls = perCall.reduce((sum, n) => sum + n, 0);
  const n = perCall.length;
  const allTurns = (n + 1) * tokensToolsList + perCall.reduce((sum, tokens, i) => sum + tokens * (n - i), 0);
  const { why, ...flags } = safetyColumns(list.tools);
  return {
    ok: true,
    figures: {
      tool_count: list.tools.length,
      tools_list_bytes: Buffer.byteLength(listJson, "utf8"),
      tokens: tokensToolsList + tokensCalls,
      calls: path.calls.length,
      ...flags,
      tokens_tools_list: tokensToolsList,
      tokens_calls: tokensCalls,
      prompt_tokens_all_turns: allTurns,
      tools_called: path.calls.map((c) => c.tool),
      steps_outside_mcp: path.outside_mcp,
      safety_why: why,
    },
  };
}

/** The first scripted call that names no listed tool or whose arguments its inputSchema refuses. */
function transcriptMismatch(list: ToolsListResult, path: ScriptedPath): string | undefined {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  for (const [i, call] of path.calls.entries()) {
    const tool = list.tools.find((t) => t.name === call.tool);
    if (!tool) return `call ${i + 1} names ${JSON.stringify(call.tool)}, which is not in its tools/list (${list.tools.map((t) => t.name).join(", ")})`;
    const validate = ajv.compile(tool.inputSchema ?? {});
    if (!validate(call.arguments)) {
      return `call ${i + 1} (${call.tool}) has arguments its inputSchema refuses: ${ajv.errorsText(validate.errors)}`;
    }
  }
  return undefined;
}
