// Schema inspection: connect once, read the catalog, return a deterministic snapshot or a
// message that is safe to print (it names the env var, never the URL or its secrets).

import type { Engine } from "../config/contract.ts";
import { describeFailure } from "./failure.ts";
import { assembleSnapshot, type SchemaReader } from "./raw-schema.ts";
import type { SchemaSnapshot } from "./snapshot.ts";

export { typeClassOf } from "./type-class.ts";
export { findTenantRoot, suggestHints, TENANT_KEY_NAMES, VERSION_COLUMN_NAMES, type TenantRoot } from "./suggestions.ts";

export interface InspectOptions {
  engine: "auto" | Engine;
  url: string;
  /** Postgres: only this schema (default: every user schema). MySQL: this database (default: the URL's). */
  schema?: string;
  /** Name of the env var the URL came from; the only way messages refer to the URL. */
  urlEnvName: string;
  connectTimeoutMs?: number;
}

export type InspectOutcome = { ok: true; snapshot: SchemaSnapshot } | { ok: false; message: string };

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

const ENGINE_BY_SCHEME: Readonly<Record<string, Engine>> = {
  "postgres:": "postgres",
  "postgresql:": "postgres",
  "mysql:": "mysql",
  "mariadb:": "mysql",
};

/** The engine a URL's scheme names, or undefined for anything else (including non-URLs). */
export function engineFromUrl(url: string): Engine | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url.trim())?.[1]?.toLowerCase();
  return scheme === undefined ? undefined : ENGINE_BY_SCHEME[scheme];
}

export async function inspectDatabase(options: InspectOptions): Promise<InspectOutcome> {
  const env = `$${options.urlEnvName}`;
  const fromUrl = engineFromUrl(options.url);
  let engine: Engine;
  if (options.engine === "auto") {
    if (fromUrl === undefined) {
      return fail(`cannot tell the engine from the URL in ${env}; it should start with postgres://, postgresql://, mysql:// or mariadb:// (or pass --engine postgres|mysql)`);
    }
    engine = fromUrl;
  } else {
    // A mismatch is almost always the wrong env var; connecting anyway would give a confusing error.
    if (fromUrl !== undefined && fromUrl !== options.engine) {
      return fail(`--engine ${options.engine} was requested but the URL in ${env} is a ${fromUrl} URL`);
    }
    engine = options.engine;
  }
  if (options.schema !== undefined && options.schema.trim() === "") return fail("--schema must not be empty");

  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let reader: SchemaReader;
  try {
    // Each engine's driver loads only when it is used: most commands never inspect, and a
    // Postgres user never pays for mysql2 (the heaviest module the CLI links).
    reader = engine === "postgres"
      ? await (await import("./postgres.ts")).connectPostgres(options.url, timeoutMs)
      : await (await import("./mysql.ts")).connectMysql(options.url, timeoutMs);
  } catch (err) {
    return fail(describeFailure("connect", err, options.urlEnvName, timeoutMs));
  }
  try {
    const raw = await reader.read(options.schema);
    return { ok: true, snapshot: assembleSnapshot(engine, raw) };
  } catch (err) {
    return fail(describeFailure("read", err, options.urlEnvName, timeoutMs));
  } finally {
    await reader.close();
  }
}

function fail(message: string): InspectOutcome {
  return { ok: false, message };
}
