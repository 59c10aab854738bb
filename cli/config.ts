// `config validate` and `config show`: check a contract without building it, and show
// which environment variables it depends on (whether each is set, never its value).

import type { Command } from "commander";
import { loadContractFile } from "../compiler/config/load.ts";
import { validateContract } from "../compiler/config/validate.ts";
import { loadReviewers } from "../compiler/config/reviewers.ts";
import { ENV_NAME_PATTERN } from "../compiler/config/schema-diagnostics.ts";
import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV, type Contract } from "../compiler/config/contract.ts";
import { formatDiagnostics, pointer } from "../compiler/diagnostics.ts";
import { terminalSafe, terminalSafeJson, terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { EXIT, printJson } from "./program.ts";

const DEFAULT_CONFIG = "synapsor.runner.json";

export function register(program: Command): void {
  const config = program.command("config").description("Check and display synapsor.runner.json");

  config
    .command("validate")
    .description("Validate the contract (JSON Schema and contract rules), and synapsor.reviewers.json next to it, and list every problem")
    .option("--config <file>", "contract file", DEFAULT_CONFIG)
    .option("--json", "print { ok, diagnostics } as JSON")
    .action((opts: { config: string; json?: boolean }) => runValidate(opts.config, opts.json === true));

  config
    .command("show")
    .description("Print the contract with each *_env variable marked set or unset (values are never printed)")
    .option("--config <file>", "contract file", DEFAULT_CONFIG)
    .option("--redacted", "show environment variable names and whether they are set, never their values (the only mode)")
    .option("--json", "print { config, environment } as JSON")
    .action((opts: { config: string; json?: boolean }) => runShow(opts.config, opts.json === true));
}

function runValidate(path: string, json: boolean): void {
  const loaded = loadContractFile(path);
  const validated = loaded.ok ? validateContract(loaded.raw) : loaded;
  // Reviewers declared next to the contract are part of what `build` checks, so they are checked here too.
  const reviewers = validated.ok ? loadReviewers(path, validated.value) : undefined;
  const result = reviewers && !reviewers.ok ? { ok: false as const, diagnostics: reviewers.diagnostics } : validated;
  if (!result.ok) {
    if (json) printJson({ ok: false, diagnostics: result.diagnostics });
    else process.stderr.write(formatDiagnostics(path, result.diagnostics) + "\n");
    process.exitCode = EXIT.invalid;
    return;
  }
  const capabilities = result.value.capabilities;
  if (json) {
    printJson({
      ok: true,
      diagnostics: [],
      capabilities: capabilities.map((c) => ({ name: c.name, kind: c.kind })),
    });
    return;
  }
  const list = capabilities.map((c) => `${c.name} [${c.kind}]`).join(", ");
  const noun = capabilities.length === 1 ? "capability" : "capabilities";
  process.stdout.write(terminalSafe(`valid: ${capabilities.length} ${noun}${list ? ` (${list})` : ""} in ${path}`) + "\n");
}

export interface EnvironmentEntry {
  /** Where the name comes from in the contract; a default has the pointer of the field it fills. */
  pointer: string;
  variable: string;
  set: boolean;
  /** true when the contract omits the field and the runner's default name applies. */
  default?: true;
}

function runShow(path: string, json: boolean): void {
  const loaded = loadContractFile(path);
  if (!loaded.ok) {
    if (json) printJson({ ok: false, diagnostics: loaded.diagnostics });
    else process.stderr.write(formatDiagnostics(path, loaded.diagnostics) + "\n");
    process.exitCode = EXIT.invalid;
    return;
  }
  const environment: EnvironmentEntry[] = [];
  const redacted = redact(loaded.raw, "", environment);
  addTrustedContextDefaults(loaded.raw, environment);
  const validation = validateContract(loaded.raw);
  const problems = validation.ok ? 0 : validation.diagnostics.length;
  if (json) {
    printJson({ ok: true, path, sha256: loaded.sha256, valid: validation.ok, config: redacted, environment });
    return;
  }
  const lines = [
    `# ${path} (sha256 ${loaded.sha256})`,
    terminalSafeJson(JSON.stringify(redacted, null, 2)),
    "",
    "environment variables:",
    ...(environment.length === 0
      ? ["  (none)"]
      : environment.map((e) => `  ${e.variable.padEnd(32)} ${e.set ? "set  " : "UNSET"}  ${e.pointer}${e.default ? " (default)" : ""}`)),
  ];
  if (problems > 0) {
    lines.push("", `note: the contract has ${problems} problem${problems === 1 ? "" : "s"}; run \`synapsor-runner config validate --config ${path}\`.`);
  }
  process.stdout.write(terminalSafeLines(lines.join("\n")) + "\n");
}

/**
 * Copies the contract, replacing each *_env string with "NAME (set|unset)". A value that is
 * not a variable name (someone pasted the URL or token itself) is hidden, never printed.
 */
function redact(value: unknown, at: string, environment: EnvironmentEntry[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => redact(item, `${at}${pointer(i)}`, environment));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const here = `${at}${pointer(key)}`;
    if (key.endsWith("_env") && typeof inner === "string") {
      if (!new RegExp(ENV_NAME_PATTERN).test(inner)) {
        out[key] = "<hidden: not a variable name>";
        continue;
      }
      const set = isSet(inner);
      environment.push({ pointer: here, variable: inner, set });
      out[key] = `${inner} (${set ? "set" : "unset"})`;
    } else {
      out[key] = redact(inner, here, environment);
    }
  }
  return out;
}

/** Tenant and principal variables apply even when the contract does not name them. */
function addTrustedContextDefaults(raw: unknown, environment: EnvironmentEntry[]): void {
  const values = (raw as Partial<Contract> | null)?.trusted_context?.values ?? {};
  const defaults = [
    ["tenant_id_env", values.tenant_id_env, DEFAULT_TENANT_ENV],
    ["principal_env", values.principal_env, DEFAULT_PRINCIPAL_ENV],
  ] as const;
  for (const [field, given, fallback] of defaults) {
    if (given !== undefined) continue;
    environment.push({
      pointer: pointer("trusted_context", "values", field),
      variable: fallback,
      set: isSet(fallback),
      default: true,
    });
  }
}

function isSet(name: string): boolean {
  return (process.env[name] ?? "") !== "";
}
