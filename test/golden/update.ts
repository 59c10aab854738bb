// Regenerates every golden case's expected output. Run: npm run golden:update

import { compile } from "../../compiler/pipeline.ts";
import { writeTreeAtomically } from "../../compiler/output/write-tree.ts";
import { formatDiagnostics } from "../../compiler/diagnostics.ts";
import { GOLDEN_CASES } from "./cases.ts";

for (const c of GOLDEN_CASES) {
  const result = await compile({ configPath: c.config, schema: { kind: "snapshot", path: c.schema }, bundle: false });
  if (!result.ok) {
    process.stderr.write(formatDiagnostics(c.config, result.diagnostics) + "\n");
    process.exit(1);
  }
  writeTreeAtomically(c.expectedDir, result.files);
  process.stdout.write(`updated ${c.name}: ${result.files.size} files\n`);
}
