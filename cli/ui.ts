// `synapsor-runner ui`: the local review console (operator/console/). A person's approval
// authority in a browser: it reads the ledger, records decisions and comments under the same
// review rules as `proposals approve|reject`, and never applies anything.

import type { Command } from "commander";
import { compileCapabilities } from "../operator/apply/compiled-capability.ts";
import { buildToolsPreview } from "../operator/preview/tools-preview.ts";
import { consoleIdentities } from "../operator/console/identity.ts";
import { loadReviewers } from "../operator/review/reviewers.ts";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { consoleModels } from "../operator/console/review-model.ts";
import { isLoopbackHost } from "../operator/console/security.ts";
import { startConsole, type ConsoleOptions } from "../operator/console/server.ts";
import { withheldValues } from "../operator/console/withheld.ts";
import { keySettings, loadContractOrFail, openExistingLedger, storeFlag, storeLocation, storeName, storeUrlEnvOption } from "../operator/review/store.ts";
import { schemaInputFromFlags } from "./build.ts";
import { CliError, EXIT, printJson } from "./program.ts";
import { terminalSafe } from "../runtime/text/terminal-safe.ts";

interface UiFlags {
  config: string;
  store?: string;
  storeUrlEnv?: string;
  host: string;
  port: number;
  allowRemoteBind?: boolean;
  schema?: string;
  fromEnv?: string;
  ledgerKeyEnv?: string;
  json?: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError(`--port must be a number from 0 to 65535 (0 picks a free port), not ${JSON.stringify(value)}.`);
  return n;
}

export function register(program: Command): void {
  program
    .command("ui")
    .description("Start the local review console: inbox, review pages, approve / reject / comment, outcomes, capabilities")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--store <file>", "the ledger the MCP server writes (SQLite file; default: the config's storage.sqlite_path, relative to the config)")
    .addOption(storeUrlEnvOption())
    .option("--host <address>", "address to listen on; anything but loopback needs --allow-remote-bind", "127.0.0.1")
    .option("--port <n>", "port to listen on (0 picks a free one; the URL printed has the real port)", port, 0)
    .option("--allow-remote-bind", "allow a non-loopback --host (anyone who can reach it and holds the link can review)")
    .option("--schema <file>", "schema snapshot to compile the config against (default: build.schema_snapshot, else the live schema of the source's read URL)")
    .option("--from-env <VAR>", "env var holding a database URL: compile against the live schema")
    .option("--ledger-key-env <VAR>", "the variable holding the ledger keys (default: the config's storage.ledger_key_env)")
    .option("--json", "print { ok, port, links: [{ name, label, url }] } as JSON instead of text")
    .action((flags: UiFlags) => runUi(flags));
}

async function runUi(flags: UiFlags): Promise<void> {
  if (!isLoopbackHost(flags.host) && !flags.allowRemoteBind) {
    throw new CliError(
      `Refusing to listen on ${flags.host}: the console approves changes, so it listens on loopback (127.0.0.1) only. ` +
        "Pass --allow-remote-bind as well if other machines must reach it, on a network you trust.",
    );
  }
  const contract = loadContractOrFail(flags.config);
  const reviewers = loadReviewers(flags.config, contract);
  if (!reviewers.ok) throw new CliError(formatDiagnostics(reviewers.file, reviewers.diagnostics));
  const store = storeLocation(flags, contract);
  const ledgerUrl = store.kind === "postgres" ? process.env[store.urlEnv] : undefined;
  const ledger = await openExistingLedger(store, keySettings(store, flags.ledgerKeyEnv ? { ledgerKeyEnv: flags.ledgerKeyEnv } : {}, contract));

  const schema = schemaInputFromFlags(flags);
  const compiled = await compileCapabilities({ configPath: flags.config, ...(schema ? { schema } : {}) });
  const capabilities: ConsoleOptions["capabilities"] = compiled.ok
    ? { preview: buildToolsPreview({ contract: compiled.contract, plan: compiled.plan, snapshot: compiled.snapshot, aliasMode: "canonical" }), problem: null }
    : { preview: null, problem: `${compiled.stage}: ${compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}` };

  // The live row is read through the sources' read URLs in this process's environment.
  const models = consoleModels({ ledger, plan: compiled.ok ? compiled.plan : null, env: process.env, now: () => new Date() });
  let running;
  try {
    running = await startConsole({
      ledger,
      models,
      identities: consoleIdentities(reviewers.declaration),
      capabilities,
      configPath: flags.config,
      storeFlag: storeFlag(store),
      host: flags.host,
      port: flags.port,
      // A ledger URL named by --store-url-env rather than by the contract is a credential too.
      secrets: [...withheldValues(contract, ledger.keys), ...(ledgerUrl ? [ledgerUrl] : [])],
    });
  } catch (err) {
    await models.close();
    await ledger.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new CliError(`Port ${flags.port} on ${flags.host} is in use. Pick another --port, or 0 for a free one.`, EXIT.environment);
    if (code === "EADDRNOTAVAIL" || code === "EACCES") throw new CliError(`Cannot listen on ${flags.host}:${flags.port} (${code}). Check --host and --port.`, EXIT.environment);
    throw err;
  }

  if (flags.json) printJson({ ok: true, port: running.port, links: running.links.map((l) => ({ name: l.identity.name, label: l.identity.label, url: l.url })) });
  else {
    // Paths and names are typed by people: guarded like every other line a terminal receives.
    process.stdout.write(terminalSafe(`Review console listening on ${flags.host}:${running.port} (store ${storeName(store)}). Each link works once, in one browser:`) + "\n");
    for (const link of running.links) process.stdout.write(`  ${terminalSafe(link.identity.label)}: ${link.url}\n`);
    if (!compiled.ok) process.stderr.write("synapsor-runner: the config did not compile, so the console shows no capabilities or planned UPDATE; run `synapsor-runner tools preview` to see why.\n");
    process.stdout.write("Press Ctrl-C to stop.\n");
  }
  if (!isLoopbackHost(flags.host)) process.stderr.write(`synapsor-runner: listening beyond loopback (${flags.host}); anyone who can reach it and holds a link can review.\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await running.close();
  await models.close();
  await ledger.close();
}
