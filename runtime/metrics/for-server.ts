// The metrics of one compiled server, keyed the way calls arrive (tool names as the client sees
// them) and labelled the way the plan names them (canonical capability names).

import { toolNameFor, type AliasMode } from "../capability-host.ts";
import type { Adapter, PoolStats } from "../db/adapter.ts";
import type { Ledger } from "../ledger/ports.ts";
import type { ServerDefinition } from "../server-definition.ts";
import { ServerMetrics } from "./server-metrics.ts";

export interface MetricsOfServer {
  metrics: ServerMetrics;
  /** Tool name as called (alias or canonical) → compiled capability name. */
  capabilityOf: ReadonlyMap<string, string>;
}

export function metricsForServer(
  def: ServerDefinition,
  aliasMode: AliasMode,
  ledger: Ledger,
  adapters: ReadonlyMap<string, Adapter>,
): MetricsOfServer {
  const pools = new Map<string, () => PoolStats | undefined>();
  for (const [source, adapter] of adapters) if (adapter.poolStats) pools.set(source, () => adapter.poolStats!());
  const capabilityOf = new Map(def.capabilities.map((c) => [toolNameFor(c, aliasMode), c.name] as const));
  const metrics = new ServerMetrics(
    def.capabilities.map((c) => c.name),
    { version: def.runnerVersion, planHash: def.config.sha256 },
    { countProposals: () => ledger.proposals.countByState(), pools },
  );
  return { metrics, capabilityOf };
}
