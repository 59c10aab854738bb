// `synapsor-runner audit`: a static risk review of any MCP server's tools/list, from a file, a
// Streamable HTTP URL or a stdio command. It reads names, schemas, annotations and descriptions;
// it never calls a tool. The rules are operator/audit/rules/, listed in operator/audit/registry.ts.

import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { SEVERITIES, type AuditedList, type Severity } from "../operator/audit/finding.ts";
import { formatAuditMarkdown, formatAuditTable } from "../operator/audit/format.ts";
import { fetchToolsList, type LiveTarget } from "../operator/audit/live-server.ts";
import { audit, AUDIT_RULES, failsAt } from "../operator/audit/registry.ts";
import { parseToolsListText } from "../operator/audit/tools-list.ts";
import { auditSource } from "../operator/audit/source.ts";
import { CliError, EXIT, printJson } from "./program.ts";

interface AuditFlags {
  tools?: string;
  url?: string;
  authTokenEnv?: string;
  command?: string;
  json?: boolean;
  format: "table" | "markdown" | "json";
  failOn?: Severity;
  timeout: number;
}

export function register(program: Command): void {
  program
    .command("audit")
    .description("Review any MCP server's tools/list for risk (raw SQL, writes, model-chosen tenants, unbounded lists, secrets in descriptions) without calling a tool")
    .option("--tools <file>", 'a saved tools/list result: {"tools": [...]} or a bare array of tools')
    .option("--url <url>", "a running server's Streamable HTTP endpoint, e.g. http://127.0.0.1:8766/mcp")
    .option("--auth-token-env <VAR>", "with --url: the environment variable holding the bearer token (never the token itself)")
    .option("--command <command line>", 'start a stdio server and list its tools, e.g. "node server.mjs serve --transport stdio" (split like a shell, run without one; it inherits this environment)')
    .option("--json", "print { findings, summary } as JSON (the same as --format json)")
    .addOption(new Option("--format <format>", "output format").choices(["table", "markdown", "json"]).default("table"))
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when any finding is at or above this severity (default: none, so findings alone never fail the run)").choices([...SEVERITIES]),
    )
    .option("--timeout <seconds>", "with --url or --command: give up on a server that has not listed its tools after this long", seconds, 20)
    .addHelpText(
      "after",
      [
        "",
        "Exactly one of --tools, --url or --command. Exit codes: 0 the audit ran (and nothing reached --fail-on);",
        "1 a finding reached --fail-on, or the input or a flag is wrong; 2 the server could not be reached or timed out.",
        "",
        "Rules (severity, id):",
        ...AUDIT_RULES.map((r) => `  ${r.severity.padEnd(8)}  ${r.id}`),
        "Each rule's reason is in docs/audit.md.",
      ].join("\n"),
    )
    .action(async (flags: AuditFlags) => runAudit(flags));
}

function seconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new CliError(`--timeout must be a number of seconds between 0 and 3600, not ${JSON.stringify(text)}.`);
  return n;
}

async function runAudit(flags: AuditFlags): Promise<void> {
  const source = auditSource(flags, process.env);
  if (!source.ok) throw new CliError(source.message);
  const { list, shown } = source.kind === "file" ? { list: readToolsFile(source.path), shown: source.path } : { list: await fetchLive(source.target, flags.timeout), shown: source.shown };
  const report = audit(list);
  const format = flags.json ? "json" : flags.format;
  if (format === "json") printJson(report);
  else if (format === "markdown") process.stdout.write(formatAuditMarkdown(report, shown));
  else process.stdout.write(formatAuditTable(report, shown));
  if (failsAt(report, flags.failOn)) process.exitCode = EXIT.invalid;
}

function readToolsFile(path: string): AuditedList {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot read --tools ${path}${code ? ` (${code})` : ""}. Give the path of a saved tools/list result.`);
  }
  const parsed = parseToolsListText(text, path);
  if (!parsed.ok) throw new CliError(parsed.message);
  return parsed.list;
}

async function fetchLive(target: LiveTarget, timeoutSeconds: number): Promise<AuditedList> {
  const fetched = await fetchToolsList(target, timeoutSeconds * 1000);
  if (!fetched.ok) throw new CliError(fetched.message, fetched.code === "AUDIT_INPUT_INVALID" ? EXIT.invalid : EXIT.environment);
  return fetched.list;
}
