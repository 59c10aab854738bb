// Rewrites the expected-failures baselines from a run of the official MCP conformance suite
// against the compiled example server:
//   npm run conformance:baseline            both eras
//   npm run conformance:baseline -- 2026    one era (2025 or 2026)
// Every failing scenario is listed; a `why` already written is kept, a new entry gets
// "TODO: say why", which test/slow/mcp-conformance.test.ts refuses until someone replaces it
// with the feature the server does not offer. Review the diff like any code change.

import { existsSync } from "node:fs";
import {
  baselineFrom,
  baselinePath,
  ERAS,
  failureSummary,
  limiter,
  readBaseline,
  runEra,
  startConformanceServer,
  writeBaseline,
  type Baseline,
} from "../support/conformance.ts";

const wanted = process.argv.slice(2);
if (wanted.includes("--help") || wanted.includes("-h")) {
  process.stdout.write("Usage: npm run conformance:baseline [-- 2025|2026 ...]\nRuns the official MCP conformance suite against the compiled example server and rewrites\ntest/conformance/baseline-<era>.json (both eras unless named), keeping written `why` texts.\n");
  process.exit(0);
}
const unknown = wanted.filter((id) => !ERAS.some((era) => era.id === id));
if (unknown.length > 0) {
  process.stderr.write(`No era named ${unknown.join(", ")}. Eras: ${ERAS.map((era) => era.id).join(", ")}\n`);
  process.exit(1);
}

const previous = new Map<string, Baseline>();
for (const era of ERAS) if (existsSync(baselinePath(era))) previous.set(era.id, await readBaseline(era));

const server = await startConformanceServer();
try {
  const limit = limiter(3);
  for (const era of ERAS.filter((e) => wanted.length === 0 || wanted.includes(e.id))) {
    const started = performance.now();
    const results = await runEra(era, server.url, limit);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const others = ERAS.filter((e) => e !== era).flatMap((e) => previous.get(e.id) ?? []);
    const baseline = baselineFrom(era, results, previous.get(era.id), others);
    await writeBaseline(era, baseline);
    const passed = results.filter((r) => r.passed).map((r) => r.scenario);
    process.stdout.write(`${era.suite}: ${results.length} scenarios in ${seconds} s, ${passed.length} passed (${passed.join(", ")})\n`);
    for (const entry of baseline.expectedFailures) {
      const result = results.find((r) => r.scenario === entry.scenario)!;
      const marker = entry.why.startsWith("TODO") ? "  NEW " : "      ";
      process.stdout.write(`${marker}${entry.scenario}: ${entry.why.startsWith("TODO") ? failureSummary(result) : entry.why}\n`);
    }
    process.stdout.write(`wrote ${baselinePath(era)}\n`);
  }
} finally {
  await server.stop();
}
