// The tools/list budget: the example's tools, and a 10-tool config made from them, stay within
// 1,000 bytes of tools/list per tool (JSON, outputSchema included), the issue-11 target that
// bench/tools-list-size.ts measures over stdio. The server answers tools/list with
// `{ tools: host.listTools() }` (runtime/mcp/protocol.ts), each tool being describeTool's
// descriptor, which is what is measured here.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { rmSync, writeFileSync } from "node:fs";
import { compile } from "../../compiler/pipeline.ts";
import { capabilityFromPlan } from "../../operator/preview/plan-capability.ts";
import { describeTool } from "../../runtime/capability-host.ts";
import { TOOL_OUTPUT_SCHEMA } from "../../runtime/envelope-schema.ts";
import { tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_DIR, exampleConfigWithTools } from "../support/example.ts";

const BUDGET_PER_TOOL = 1000;

async function toolsListBytes(count: number): Promise<{ perTool: number; tools: ReturnType<typeof describeTool>[] }> {
  const dir = tempDir("synapsor-tools-size-");
  const configPath = join(dir, "synapsor.runner.json");
  writeFileSync(configPath, JSON.stringify(exampleConfigWithTools(count)));
  const result = await compile({ configPath, schema: { kind: "snapshot", path: join(EXAMPLE_DIR, "synapsor.schema.json") }, bundle: false });
  rmSync(dir, { recursive: true, force: true });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
  const tools = result.plan.capabilities.map((c) => describeTool(capabilityFromPlan(c), "canonical"));
  return { perTool: Buffer.byteLength(JSON.stringify({ tools })) / tools.length, tools };
}

describe("tools/list size", () => {
  for (const count of [3, 10]) {
    test(`${count} tools: at most ${BUDGET_PER_TOOL} bytes per tool, each with the outputSchema every result validates against`, async () => {
      const { perTool, tools } = await toolsListBytes(count);
      assert.equal(tools.length, count);
      assert.ok(perTool <= BUDGET_PER_TOOL, `${perTool.toFixed(1)} bytes per tool`);
      for (const tool of tools) assert.deepEqual(tool.outputSchema, TOOL_OUTPUT_SCHEMA, tool.name);
    });
  }
});
