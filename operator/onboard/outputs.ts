// The files one onboarding run writes, planned together so they are checked and written all or
// nothing: the config, the schema snapshot the build reads (when the schema was inspected live),
// .env.example, the MCP client snippets (under .synapsor/clients/ next to the config) and, when
// asked, handler stubs. Every path a config holds is relative to the config's directory.

import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Contract } from "../../compiler/config/contract.ts";
import { configStoreLocation } from "../../compiler/config/paths.ts";
import { snapshotJson } from "../../compiler/inspect/snapshot-file.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import type { HandlerStub } from "../handler-stub/stub.ts";
import { clientSnippet, type ClientKind } from "./client-snippets.ts";
import { APPLY_ENV_EXAMPLE_FILE, applyEnvExampleText, contractVariables, ENV_EXAMPLE_FILE, envExampleText, extendEnvExample, type NamedVariable } from "./env-example.ts";
import type { PlannedFile } from "./write-files.ts";

export const SNIPPET_DIR = ".synapsor/clients";
export const SNIPPET_CLIENTS: readonly ClientKind[] = ["generic", "claude-desktop"];
export const DEFAULT_SNAPSHOT_FILE = "./synapsor.schema.json";
export const HANDLER_DIR = "handlers";

export interface OnboardingOutput {
  configPath: string;
  contract: Contract;
  /** Written to build.schema_snapshot when the schema was inspected live. */
  snapshot?: SchemaSnapshot;
  /** --append: the config and the derived files already exist and are updated in place. */
  append?: boolean;
  handlerStubs?: HandlerStub[];
}

/**
 * A client snippet's file, named after the config so two configs in one directory do not share
 * one: `.synapsor/clients/generic.json` for synapsor.runner.json, `<name>.generic.json` for any other.
 */
export function snippetPath(configPath: string, client: ClientKind): string {
  const name = basename(configPath);
  const prefix = name === DEFAULT_CONFIG_BASENAME ? "" : `${name.replace(/\.json$/i, "")}.`;
  return join(dirname(resolve(configPath)), SNIPPET_DIR, `${prefix}${client}.json`);
}
const DEFAULT_CONFIG_BASENAME = "synapsor.runner.json";

export function planOnboardingFiles(output: OnboardingOutput): PlannedFile[] {
  const configPath = resolve(output.configPath);
  const dir = dirname(configPath);
  const { contract } = output;
  const files: PlannedFile[] = [{ path: configPath, kind: "config", text: JSON.stringify(contract, null, 2) + "\n", replaces: output.append === true }];

  if (output.snapshot !== undefined) {
    const path = resolve(dir, contract.build?.schema_snapshot ?? DEFAULT_SNAPSHOT_FILE);
    files.push({ path, kind: "schema_snapshot", text: snapshotJson(output.snapshot), replaces: output.append === true });
  }

  const variables = contractVariables(contract);
  const serverText = envExampleText(variables);
  const applyText = applyEnvExampleText(variables);
  files.push(...envFile(join(dir, ENV_EXAMPLE_FILE), serverText, variables.filter((v) => v.scope === "server"), "env_example"));
  if (applyText !== undefined) files.push(...envFile(join(dir, APPLY_ENV_EXAMPLE_FILE), applyText, variables.filter((v) => v.scope === "apply"), "apply_env_example"));

  // The ledger the config's server uses: its storage.postgres_url_env, else its SQLite file.
  const store = configStoreLocation(contract, configPath);
  for (const client of SNIPPET_CLIENTS) {
    const snippet = clientSnippet(client, { configPath, store, envFile: join(dir, ".env") });
    // Under --append the snippets start the same server as before; rewriting them changes nothing.
    const path = snippetPath(configPath, client);
    if (output.append && existsSync(path)) continue;
    files.push({ path, kind: "client_snippet", text: JSON.stringify(snippet, null, 2) + "\n" });
  }

  for (const stub of output.handlerStubs ?? []) {
    files.push({ path: join(dir, HANDLER_DIR, stub.file), kind: "handler", text: stub.text });
  }
  return files;
}

/**
 * An env example file: written whole when absent; when one exists (an app's own .env.example, or
 * ours from an earlier run) the names it lacks are added at its end and its own lines are kept,
 * so an app's file is never refused or replaced.
 */
function envFile(path: string, text: string, variables: readonly NamedVariable[], kind: "env_example" | "apply_env_example"): PlannedFile[] {
  if (!existsSync(path)) return [{ path, kind, text }];
  const extended = extendEnvExample(readFileSync(path, "utf8"), variables);
  return extended === undefined ? [] : [{ path, kind, text: extended, replaces: true }];
}
