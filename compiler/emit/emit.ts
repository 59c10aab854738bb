// Stage 5: emit. Turns the build plan into the generated source tree, in memory:
// path (relative to the output directory) → file contents. Deterministic by construction:
// capabilities keep config order, objects keep plan order, nothing reads the clock.

import type { BuildPlan } from "../plan/capability-plan.ts";
import { renderCapabilityModule } from "./capability-module.ts";
import { codeLiteral, identifier, stringLiteral, type Code } from "./code-literal.ts";
import { commentToken } from "./comment-text.ts";
import { generatedHeader } from "./header.ts";
import { renderManifest } from "./manifest.ts";
import { renderTemplate } from "./templates.ts";
import { compileValidator } from "./validators.ts";

export type FileMap = Map<string, string>;

/** The binding server.ts imports a capability module as; capability names are checked to give one (`billing.x` → `billing__x`). */
export function importIdentifier(capabilityName: string): Code {
  return identifier(capabilityName.replace(/\./g, "__"));
}

/** Capability names (checked by the config rules) also name files; anything else here is a generator bug, never a path. */
const FILE_STEM = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

export interface EmitOptions {
  /**
   * The ledger's default path as server.mjs resolves it: relative to the bundle's own directory
   * (compiler/config/paths.ts storeFromBundle). Default: the config's path as written, i.e. a
   * bundle next to the config.
   */
  storeFromBundle?: string;
}

export function emitSources(plan: BuildPlan, options: EmitOptions = {}): FileMap {
  const files: FileMap = new Map();
  const header = generatedHeader(plan);
  for (const cap of plan.capabilities) {
    if (!FILE_STEM.test(cap.name)) throw new Error(`BUG: capability name ${JSON.stringify(cap.name)} reached emit unchecked.`);
    files.set(`src/capabilities/${cap.name}.ts`, renderCapabilityModule(plan, cap));
    files.set(`src/validators/${cap.name}.mjs`, `${header}\n${compileValidator(cap.inputSchema)}\n`);
    files.set(`src/validators/${cap.name}.d.mts`, renderTemplate("validator.d.mts.hbs", { header, name: commentToken(cap.name) }));
  }
  files.set(
    "src/server.ts",
    renderTemplate("server.ts.hbs", {
      header,
      imports: plan.capabilities.map((c) => ({ path: stringLiteral(`./capabilities/${c.name}.js`), identifier: importIdentifier(c.name) })),
      runnerVersionLiteral: stringLiteral(plan.runnerVersion),
      configLiteral: codeLiteral(plan.config, "  "),
      modeLiteral: stringLiteral(plan.mode),
      storePathLiteral: stringLiteral(options.storeFromBundle ?? plan.storage.sqlitePath),
      ledgerKeyEnvLiteral: codeLiteral(plan.storage.ledgerKeyEnv),
      ledgerUrlEnvLiteral: codeLiteral(plan.storage.postgresUrlEnv),
      durabilityLiteral: stringLiteral(plan.storage.durability),
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
      // Only a contract with limits adds the line, so other servers' generated code is unchanged.
      limitsLiteral: plan.limits ? codeLiteral(plan.limits, "  ") : false,
    }),
  );
  files.set("manifest.json", renderManifest(plan));
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
