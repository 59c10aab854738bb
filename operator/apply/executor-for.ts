// Chooses and configures the executor of a compiled proposal capability: sql_update runs the
// statements its plan holds; the app executors get their settings from the reviewed config.
// Credentials are read from the environment here, by name, and never printed.

import type { Contract, ExecutorConfig } from "../../compiler/config/contract.ts";
import type { BuildPlan, CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import type { Executor } from "../../runtime/executors/executor.ts";
import { plannedWriteFrom } from "../../runtime/executors/planned-write.ts";
import { createSqlUpdateExecutor } from "../../runtime/executors/sql-update.ts";
import { createHttpHandlerExecutor } from "../../runtime/executors/http-handler.ts";
import { createCommandHandlerExecutor } from "../../runtime/executors/command-handler.ts";

export type ExecutorChoice =
  | { ok: true; executor: Executor; name: string; type: ExecutorConfig["type"] }
  | { ok: false; message: string };

const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;

export function executorFor(contract: Contract, plan: BuildPlan, capability: CapabilityPlan, env: NodeJS.ProcessEnv = process.env): ExecutorChoice {
  const name = capability.proposal?.executor.name ?? "sql_update";
  const config: ExecutorConfig = contract.executors?.[name] ?? { type: "sql_update" };
  const need = (variable: string): string | undefined => env[variable] || undefined;
  const missing = (variable: string, what: string): ExecutorChoice => ({
    ok: false,
    message: `environment variable ${variable} (${what} of executor '${name}') is not set.`,
  });

  switch (config.type) {
    case "sql_update": {
      const write = capability.proposal?.write;
      if (!write) return { ok: false, message: `the build planned no sql_update write for ${capability.name}.` };
      const sourceName = config.source ?? capability.source;
      const source = contract.sources[sourceName];
      const planned = plan.sources[sourceName];
      if (!source || !planned) return { ok: false, message: `executor '${name}' names source '${config.source}', which is not configured.` };
      if (!source.write_url_env) {
        return { ok: false, message: `source '${capability.source}' has no write_url_env; sql_update needs a write credential distinct from the read one.` };
      }
      const writeUrl = need(source.write_url_env);
      if (!writeUrl) return missing(source.write_url_env, "the write URL");
      if (writeUrl === env[source.read_url_env]) {
        return { ok: false, message: `${source.write_url_env} holds the same URL as ${source.read_url_env}; use a separate writer credential.` };
      }
      return {
        ok: true,
        name,
        type: "sql_update",
        executor: createSqlUpdateExecutor({
          write: plannedWriteFrom(write),
          writeUrl,
          statementTimeoutMs: planned.statementTimeoutMs,
        }),
      };
    }
    case "http_handler": {
      const url = need(config.url_env);
      if (!url) return missing(config.url_env, "the handler URL");
      const token = config.auth ? need(config.auth.token_env) : undefined;
      if (config.auth && !token) return missing(config.auth.token_env, "the bearer token");
      const signingSecret = config.signing_secret_env ? need(config.signing_secret_env) : undefined;
      if (config.signing_secret_env && !signingSecret) return missing(config.signing_secret_env, "the signing secret");
      return {
        ok: true,
        name,
        type: "http_handler",
        executor: createHttpHandlerExecutor({
          url,
          method: "POST",
          timeoutMs: config.timeout_ms ?? DEFAULT_HANDLER_TIMEOUT_MS,
          ...(token ? { token } : {}),
          ...(signingSecret ? { signingSecret } : {}),
        }),
      };
    }
    case "command_handler": {
      const command = need(config.command_env);
      if (!command) return missing(config.command_env, "the handler command");
      return {
        ok: true,
        name,
        type: "command_handler",
        executor: createCommandHandlerExecutor({ command, timeoutMs: config.timeout_ms ?? DEFAULT_HANDLER_TIMEOUT_MS }),
      };
    }
  }
}
