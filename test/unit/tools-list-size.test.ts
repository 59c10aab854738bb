// The tools/list budget: the example's tools, and a 10-tool config made from them, stay within a
// ceiling of tools/list bytes per tool (JSON), each tool with its own typed outputSchema.
// bench/tools-list-size.ts measures the same over stdio, per part. The issue-11 target is 1,000
// bytes per tool with outputSchema; with an exact typed outputSchema the example's tools cannot
// reach it (docs/mcp-surface.md#size-of-toolslist says where the bytes are), so the ceiling is
// the figure reached, a little above it, to catch growth. The server answers tools/list with
// `{ tools: host.listTools() }` (runtime/mcp/protocol.ts), each tool being describeTool's
// descriptor, which is what is measured here.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { rmSync, writeFileSync } from "node:fs";
import { compile } from "../../compiler/pipeline.ts";
import { toolOutputSchema } from "../../compiler/plan/output-schema.ts";
import type { CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { capabilityFromPlan } from "../../operator/preview/plan-capability.ts";
import { describeTool } from "../../runtime/capability-host.ts";
import { tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_DIR, exampleConfigWithTools } from "../support/example.ts";

const CEILING_PER_TOOL = 1330;

async function toolsList(count: number): Promise<{ perTool: number; tools: ReturnType<typeof describeTool>[]; plans: CapabilityPlan[] }> {
  const dir = tempDir("synapsor-tools-size-");
  const configPath = join(dir, "synapsor.runner.json");
  writeFileSync(configPath, JSON.stringify(exampleConfigWithTools(count)));
  const result = await compile({ configPath, schema: { kind: "snapshot", path: join(EXAMPLE_DIR, "synapsor.schema.json") }, bundle: false });
  rmSync(dir, { recursive: true, force: true });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
  const plans = result.plan.capabilities;
  const tools = plans.map((c) => describeTool(capabilityFromPlan(c), "canonical"));
  return { perTool: Buffer.byteLength(JSON.stringify({ tools })) / tools.length, tools, plans };
}

describe("tools/list size", () => {
  for (const count of [3, 10]) {
    test(`${count} tools: at most ${CEILING_PER_TOOL} bytes per tool, each with its own typed outputSchema`, async () => {
      const { perTool, tools, plans } = await toolsList(count);
      assert.equal(tools.length, count);
      assert.ok(perTool <= CEILING_PER_TOOL, `${perTool.toFixed(1)} bytes per tool`);
      for (const [i, tool] of tools.entries()) {
        const plan = plans[i]!;
        assert.deepEqual(tool.outputSchema, toolOutputSchema(plan.kind, plan.resultSchema), tool.name);
        // The tool's own result, typed per visible column: a read's row (or rows), a proposal's diff.
        const own = (tool.outputSchema as any).properties[plan.kind === "read" ? "data" : "proposal"];
        const row = plan.kind === "read" ? (plan.single ? own : own.properties.rows.items) : undefined;
        if (row) assert.deepEqual(Object.keys(row.properties), plan.visibleColumns, tool.name);
        else assert.deepEqual(Object.keys(own.properties.diff.properties), ["late_fee_cents", "waiver_reason", "status"], tool.name);
      }
    });
  }
});
