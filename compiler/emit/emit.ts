// Stage 5: emit. Turns the build plan into the generated source tree, in memory:
// path (relative to the output directory) → file contents. Deterministic by construction:
// capabilities keep config order, objects keep plan order, nothing reads the clock.

import type { BuildPlan } from "../plan/capability-plan.ts";
import { renderCapabilityModule } from "./capability-module.ts";
import { codeLiteral } from "./code-literal.ts";
import { generatedHeader } from "./header.ts";
import { renderManifest } from "./manifest.ts";
import { renderTemplate } from "./templates.ts";
import { compileValidator } from "./validators.ts";

export type FileMap = Map<string, string>;

export function importIdentifier(capabilityName: string): string {
  return capabilityName.replace(/\./g, "__");
}

export function emitSources(plan: BuildPlan): FileMap {
  const files: FileMap = new Map();
  const header = generatedHeader(plan);
  for (const cap of plan.capabilities) {
    files.set(`src/capabilities/${cap.name}.ts`, renderCapabilityModule(plan, cap));
    files.set(`src/validators/${cap.name}.mjs`, `${header}\n${compileValidator(cap.inputSchema)}\n`);
    files.set(`src/validators/${cap.name}.d.mts`, renderTemplate("validator.d.mts.hbs", { header, name: cap.name }));
  }
  files.set(
    "src/server.ts",
    renderTemplate("server.ts.hbs", {
      header,
      imports: plan.capabilities.map((c) => ({ name: c.name, identifier: importIdentifier(c.name) })),
      runnerVersionLiteral: JSON.stringify(plan.runnerVersion),
      configLiteral: codeLiteral(plan.config, "  "),
      modeLiteral: JSON.stringify(plan.mode),
      storePathLiteral: JSON.stringify(plan.storage.sqlitePath),
      ledgerKeyEnvLiteral: JSON.stringify(plan.storage.ledgerKeyEnv),
      sourcesLiteral: codeLiteral(
        Object.fromEntries(
          Object.entries(plan.sources).map(([name, s]) => [
            name,
            { engine: s.engine, readUrlEnv: s.readUrlEnv, statementTimeoutMs: s.statementTimeoutMs },
          ]),
        ),
        "  ",
      ),
      trustedContextLiteral: codeLiteral(plan.trustedContext, "  "),
    }),
  );
  files.set("manifest.json", renderManifest(plan));
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
