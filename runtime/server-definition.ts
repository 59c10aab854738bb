// What the generated src/server.ts passes to the runtime: fixed facts from the build.

import type { Capability } from "./capability.ts";
import type { HttpJwtSettings } from "./auth/settings.ts";
import type { Engine } from "./db/adapter.ts";
import type { Durability } from "./ledger/durability.ts";
import type { LimitSettings } from "./limits/settings.ts";

export interface ServerDefinition {
  runnerVersion: string;
  config: { file: string; sha256: string };
  mode: "read_only" | "review";
  /** The ledger when serve gets no --store: relative to the bundle's directory when bundleUrl is set, else to the working directory (servers built before the path rule). */
  defaultStorePath: string;
  /** import.meta.url of the bundle (server.mjs). */
  bundleUrl?: string;
  /**
   * The variable the contract names for the ledger keys (it must then be set), or null: then
   * SYNAPSOR_LEDGER_KEY when set, otherwise the key file next to the store. Absent in servers
   * built before keyed MACs, which behave as null.
   */
  ledgerKeyEnv?: string | null;
  /**
   * The variable holding the URL of a Postgres ledger (storage.postgres_url_env): without --store
   * the server uses that ledger, not defaultStorePath. null or absent: the SQLite file.
   */
  ledgerUrlEnv?: string | null;
  /** What a crash may take from the ledger (storage.durability); absent in servers built before the setting, which get the default, power_loss. */
  durability?: Durability;
  sources: Record<string, { engine: Engine; readUrlEnv: string; statementTimeoutMs: number }>;
  /** httpJwt: HTTP requests verify a bearer JWT for their tenant and principal (runtime/auth/). */
  trustedContext: { tenantIdEnv: string; principalEnv: string; httpJwt?: HttpJwtSettings };
  /** Call rate limits and the open-proposal cap (runtime/limits/); absent: none, and no cost per call. */
  limits?: LimitSettings;
  capabilities: Capability[];
}
