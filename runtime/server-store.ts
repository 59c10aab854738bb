// Which ledger `node server.mjs serve` writes: --store FILE is a SQLite file (relative to the
// working directory); --store-url-env VAR is the Postgres ledger whose URL VAR holds; with neither,
// the contract's storage.postgres_url_env when it names one, else its SQLite path (baked relative
// to server.mjs). Problems are values naming the flag or variable, never the URL.

import { dirname, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { envNameRefusal, isEnvName } from "./env-name.ts";
import type { ServerDefinition } from "./server-definition.ts";

export type ServerStore = { kind: "sqlite"; path: string } | { kind: "postgres"; urlEnv: string; url: string };

export type ServerStoreChoice = { ok: true; store: ServerStore } | { ok: false; message: string };

export interface ServerStoreFlags {
  store?: string | undefined;
  storeUrlEnv?: string | undefined;
}

type StoreFacts = Pick<ServerDefinition, "defaultStorePath" | "bundleUrl" | "ledgerUrlEnv">;

export function chooseServerStore(flags: ServerStoreFlags, def: StoreFacts, env: NodeJS.ProcessEnv): ServerStoreChoice {
  if (flags.store !== undefined && flags.storeUrlEnv !== undefined) {
    return { ok: false, message: "pass either --store FILE (a SQLite ledger) or --store-url-env VAR (a Postgres ledger), not both." };
  }
  if (flags.storeUrlEnv !== undefined) {
    if (!isEnvName(flags.storeUrlEnv)) return { ok: false, message: envNameRefusal("--store-url-env") };
    return postgresStore(flags.storeUrlEnv, "--store-url-env", env);
  }
  if (flags.store !== undefined) return { ok: true, store: { kind: "sqlite", path: flags.store === ":memory:" ? flags.store : resolvePath(flags.store) } };
  if (def.ledgerUrlEnv) return postgresStore(def.ledgerUrlEnv, "storage.postgres_url_env", env);
  return { ok: true, store: { kind: "sqlite", path: defaultStoreOf(def) } };
}

function postgresStore(urlEnv: string, namedBy: string, env: NodeJS.ProcessEnv): ServerStoreChoice {
  const url = env[urlEnv];
  if (url === undefined || url.trim() === "") {
    return { ok: false, message: `environment variable ${urlEnv} (URL of the Postgres ledger, ${namedBy}) is not set.` };
  }
  return { ok: true, store: { kind: "postgres", urlEnv, url } };
}

/** The ledger a server uses without a store flag, absolute: next to the config, found through the bundle's own location. */
function defaultStoreOf(def: StoreFacts): string {
  if (def.bundleUrl === undefined || !def.bundleUrl.startsWith("file:")) return resolvePath(def.defaultStorePath);
  return resolvePath(dirname(fileURLToPath(def.bundleUrl)), def.defaultStorePath);
}
