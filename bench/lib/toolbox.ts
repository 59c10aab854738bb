// Google's MCP Toolbox for Databases as a benchmark peer: where its pinned binary is cached
// (outside the repository, never a dependency of this package), how it is installed from its npm
// package, and the configuration that makes it serve the same lookup as the example's
// billing.inspect_invoice.

import { spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_CONFIG_PATH } from "../../operator/demo/example-files.ts";

export const TOOLBOX_PACKAGE = "@toolbox-sdk/server-linux-x64";
export const TOOLBOX_VERSION = "1.12.0";
/** The tool name Toolbox serves the lookup under (tool names in its config are plain identifiers). */
export const TOOLBOX_TOOL = "inspect_invoice";

/** ${XDG_CACHE_HOME:-~/.cache}/synapsor-runner/bench/toolbox-<version>. */
export function toolboxCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith("/") ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(base, "synapsor-runner", "bench", `toolbox-${TOOLBOX_VERSION}`);
}

/** The binary inside the cache (the package ships it as bin/toolbox). */
export function toolboxBinary(cacheDir: string): string {
  return join(cacheDir, "node_modules", ...TOOLBOX_PACKAGE.split("/"), "bin", "toolbox");
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The cached binary, or undefined when it has not been installed yet (never downloads). */
export function cachedToolbox(cacheDir = toolboxCacheDir()): string | undefined {
  const binary = toolboxBinary(cacheDir);
  return executable(binary) ? binary : undefined;
}

/**
 * The cached binary, installing the pinned package into the cache first when it is missing.
 * `npm install --prefix` keeps it out of this repository's package.json and node_modules;
 * --ignore-scripts because the published package already contains the binary.
 */
export async function ensureToolbox(say: (line: string) => void, cacheDir = toolboxCacheDir()): Promise<string> {
  const cached = cachedToolbox(cacheDir);
  if (cached) return cached;
  mkdirSync(cacheDir, { recursive: true });
  say(`downloading ${TOOLBOX_PACKAGE}@${TOOLBOX_VERSION} (about 90 MB, a ~300 MB binary) into ${cacheDir} ...`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const args = ["install", "--prefix", cacheDir, "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", `${TOOLBOX_PACKAGE}@${TOOLBOX_VERSION}`];
  const code = await new Promise<number>((resolve, reject) => {
    // npm's own progress goes to stderr too, so `--json` output on stdout stays clean.
    const child = spawn(npm, args, { cwd: cacheDir, stdio: ["ignore", 2, 2] });
    child.once("error", reject);
    child.once("exit", (status) => resolve(status ?? 1));
  });
  const binary = cachedToolbox(cacheDir);
  if (code !== 0 || !binary) {
    throw new Error(`installing ${TOOLBOX_PACKAGE}@${TOOLBOX_VERSION} failed (npm exited ${code}); check network access to the npm registry, or remove ${cacheDir} and retry`);
  }
  say(`installed Toolbox ${TOOLBOX_VERSION}: ${binary}`);
  return binary;
}

export interface ToolboxLookup {
  /** The bench database's Postgres URL (user, host, port and database; a password only if the server needs one). */
  databaseUrl: string;
  tenant: string;
  /** The columns billing.inspect_invoice returns, in its order. */
  columns: readonly string[];
  /** Defaults to the example's own words (exampleLookupWords). */
  words?: LookupWords;
}

/** The words a client reads for the lookup: the tool's description and its one argument's. */
export interface LookupWords {
  description: string;
  argument: string;
}

/**
 * The example's own words for billing.inspect_invoice, joined as our tools/list sends them
 * (description, then returns hint), so both servers describe the lookup alike and the bytes per
 * tool of tools/list differ only by what each server adds to the author's text.
 */
export function exampleLookupWords(configPath = EXAMPLE_CONFIG_PATH): LookupWords {
  const config = JSON.parse(readFileSync(configPath, "utf8")) as {
    capabilities: { name: string; description?: string; returns_hint?: string; args?: Record<string, { description?: string }> }[];
  };
  const lookup = config.capabilities.find((c) => c.name === "billing.inspect_invoice");
  const argument = lookup?.args?.invoice_id?.description;
  if (!lookup?.description || !argument) throw new Error(`${configPath}: billing.inspect_invoice has no description for itself or for invoice_id`);
  return {
    description: [lookup.description, lookup.returns_hint].filter((part) => part?.trim()).map((part) => part!.trim()).join(" "),
    argument,
  };
}

/** A YAML scalar: JSON's double-quoted strings are valid YAML and escape everything that matters. */
const yamlString = (value: string) => JSON.stringify(value);
const identifier = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
};
const sqlLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * Toolbox's configuration (the flat format of its 1.x releases: one YAML document per source and
 * tool) for the same lookup as billing.inspect_invoice: the same columns of public.invoices, the
 * tenant fixed in the statement, the invoice id as the one parameter, described in the same words.
 */
export function toolboxConfig(lookup: ToolboxLookup): string {
  const url = new URL(lookup.databaseUrl);
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw new Error(`not a Postgres URL: ${url.protocol}`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!database) throw new Error("the database URL names no database");
  const words = lookup.words ?? exampleLookupWords();
  const statement =
    `SELECT ${lookup.columns.map(identifier).join(", ")} FROM "public"."invoices" ` +
    `WHERE "id" = $1 AND "tenant_id" = ${sqlLiteral(lookup.tenant)} LIMIT 2`;
  return [
    "kind: source",
    "name: app_db",
    "type: postgres",
    `host: ${yamlString(url.hostname)}`,
    `port: ${url.port || "5432"}`,
    `database: ${yamlString(database)}`,
    `user: ${yamlString(decodeURIComponent(url.username) || "postgres")}`,
    // Toolbox requires a password even where the server trusts local connections.
    `password: ${yamlString(decodeURIComponent(url.password) || "unused-with-trust-auth")}`,
    "---",
    "kind: tool",
    `name: ${TOOLBOX_TOOL}`,
    "type: postgres-sql",
    "source: app_db",
    `description: ${yamlString(words.description)}`,
    `statement: ${yamlString(statement)}`,
    "parameters:",
    "  - name: invoice_id",
    "    type: string",
    `    description: ${yamlString(words.argument)}`,
    "",
  ].join("\n");
}
