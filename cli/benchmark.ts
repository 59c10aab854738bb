// `synapsor-runner benchmark mcp-efficiency`: the example's task through a generic raw-SQL MCP
// server versus through the compiled server (operator/benchmark/), as a table or one JSON object.

import type { Command } from "commander";
import { CliError, EXIT, printJson } from "./program.ts";

/** The `benchmark` group, shared with any other `benchmark …` command. */
function benchmarkGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "benchmark") ??
    program.command("benchmark").description("Measure the compiled server against other ways of giving a model the same data")
  );
}

export function register(program: Command): void {
  benchmarkGroup(program)
    .command("mcp-efficiency")
    .description(
      "Compare the example's task through a generic raw-SQL MCP server and through the compiled server: tools, tools/list bytes, tokens, model calls and safety",
    )
    .option("--json", "print one JSON object with a `semantic` and a `raw_sql` part")
    .action(async (flags: { json?: boolean }) => {
      // Loaded here: the tokenizer's vocabulary and the compiler are only for this command.
      const { runMcpEfficiency } = await import("../operator/benchmark/mcp-efficiency.ts");
      const result = await runMcpEfficiency();
      if (!result.ok) {
        const environmental = result.code === "BENCHMARK_SERVER_FAILED";
        throw new CliError(`${result.code}: ${result.message}\n  fix: ${result.fix}`, environmental ? EXIT.environment : EXIT.invalid);
      }
      if (flags.json) printJson(result.report);
      else {
        const { formatEfficiencyReport } = await import("../operator/benchmark/format.ts");
        process.stdout.write(formatEfficiencyReport(result.report));
      }
    });
}
