// What the generated src/server.ts passes to the runtime: fixed facts from the build.

import type { Capability } from "./capability.ts";
import type { Engine } from "./db/adapter.ts";

export interface ServerDefinition {
  runnerVersion: string;
  config: { file: string; sha256: string };
  mode: "read_only" | "review";
  defaultStorePath: string;
  sources: Record<string, { engine: Engine; readUrlEnv: string; statementTimeoutMs: number }>;
  trustedContext: { tenantIdEnv: string; principalEnv: string };
  capabilities: Capability[];
}
