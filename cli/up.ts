// `synapsor-runner up --config F [--store S | --store-url-env VAR] --serve [serve-streamable-http flags]`: the doctor's
// checklist first; any failed check stops here (exit 1, nothing served); otherwise the config is
// served over Streamable HTTP exactly as `mcp serve-streamable-http` serves it. Without --serve,
// only the checklist runs and the serve command is printed.

import type { Command } from "commander";
import { formatChecks } from "../operator/doctor/format.ts";
import { failed, passed } from "../operator/doctor/check.ts";
import { runChecklist } from "../operator/doctor/run.ts";
import { explicitStoreLocation } from "../operator/review/store.ts";
import { serveStreamableHttp, usesHttpJwt, withStreamableHttpOptions, type HttpFlags } from "./mcp.ts";
import { EXIT } from "./program.ts";

interface UpFlags extends HttpFlags {
  serve?: boolean;
}

export function register(program: Command): void {
  withStreamableHttpOptions(
    program.command("up").description("Run the doctor's checklist, then (with --serve) serve the config over Streamable HTTP; any failed check refuses to serve"),
  )
    .option("--serve", "serve when every check passes (warnings do not stop it)")
    .action(async (flags: UpFlags) => {
      // The ledger the checklist checks is the one served: --store, --store-url-env, else the config's.
      const store = flags.store !== undefined || flags.storeUrlEnv !== undefined ? explicitStoreLocation(flags) : undefined;
      const report = await runChecklist({
        configPath: flags.config,
        env: process.env,
        ...(store?.kind === "sqlite" ? { store: store.path } : {}),
        ...(store?.kind === "postgres" ? { storeUrlEnv: store.urlEnv } : {}),
        secretEnvNames: flags.authTokenEnv ? [flags.authTokenEnv] : [],
      });
      // Serving needs the bearer token, unless each request's JWT is verified (the checklist then
      // checks the key variable): a missing one is a failed check here, before "Ready", not a refusal after it.
      if (flags.serve && !usesHttpJwt(flags.config)) {
        const name = "serve.auth_token";
        const tokenEnv = flags.authTokenEnv;
        report.checks.push(
          tokenEnv === undefined
            ? failed(name, "environment", "no HTTP bearer token is named (--auth-token-env) and the config sets no trusted_context.http_jwt.", "Pass --auth-token-env VAR naming a variable that holds a long random value, or set trusted_context.http_jwt, then run up again.")
            : process.env[tokenEnv]
              ? passed(name, "environment", `${tokenEnv} (the HTTP bearer token) is set.`)
              : failed(name, "environment", `${tokenEnv} (the HTTP bearer token) is not set.`, `Export a long random value in ${tokenEnv} (or name another variable with --auth-token-env), then run up again.`),
        );
        report.ok = report.checks.every((c) => c.status !== "fail");
      }
      // The server logs to stderr, so the checklist goes there too.
      process.stderr.write(formatChecks(report));
      if (!report.ok) {
        process.stderr.write("synapsor-runner: not serving: a check failed. Fix it (synapsor-runner doctor --config … --first-run explains each) and run up again.\n");
        process.exitCode = EXIT.invalid;
        return;
      }
      if (!flags.serve) {
        process.stderr.write("synapsor-runner: all checks passed; add --serve to serve over Streamable HTTP.\n");
        return;
      }
      await serveStreamableHttp(flags);
    });
}
