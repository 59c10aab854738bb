// Checks that need only the config and the environment: the trusted context is set, each source's
// URL variables are set, and the read and write credentials are different logins. Only variable
// names appear in messages; values are read, compared and dropped.

import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV, type Contract } from "../../compiler/config/contract.ts";
import { failed, passed, warned, type DoctorCheck } from "./check.ts";
import { secretEnvNamesOf } from "../../compiler/config/secret-env.ts";

export function trustedContextEnv(contract: Contract): { tenant: string; principal: string } {
  const values = contract.trusted_context?.values;
  return { tenant: values?.tenant_id_env ?? DEFAULT_TENANT_ENV, principal: values?.principal_env ?? DEFAULT_PRINCIPAL_ENV };
}

/** Every variable the config names whose value may be a secret or a URL; the report never shows their values. */
export function envNamesOf(contract: Contract): string[] {
  const { tenant, principal } = trustedContextEnv(contract);
  return [...new Set([tenant, principal, ...secretEnvNamesOf(contract)])];
}

export function checkTrustedContext(contract: Contract, env: NodeJS.ProcessEnv): DoctorCheck[] {
  const { tenant, principal } = trustedContextEnv(contract);
  return [
    [tenant, "tenant", "the tenant id every query is scoped to"],
    [principal, "principal", "who the server acts for (recorded on every proposal)"],
  ].map(([name, what, purpose]) =>
    env[name!]
      ? passed(`trusted_context.${what}`, "environment", `${name} is set.`)
      : failed(`trusted_context.${what}`, "environment", `${name} is not set; it holds ${purpose}.`, `Export ${name} (e.g. in the env file the server starts with) and run doctor again.`),
  );
}

/** Which sources some proposal writes through with the sql_update executor (they need the write URL). */
function sourcesWrittenDirectly(contract: Contract): Set<string> {
  const out = new Set<string>();
  for (const cap of contract.capabilities) {
    if (cap.kind !== "proposal") continue;
    const executor = cap.executor ? contract.executors?.[cap.executor] : undefined;
    if (!executor || executor.type === "sql_update") out.add(executor?.type === "sql_update" && executor.source ? executor.source : cap.source);
  }
  return out;
}

export function checkSourceEnv(contract: Contract, env: NodeJS.ProcessEnv): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const writers = sourcesWrittenDirectly(contract);
  for (const [name, source] of Object.entries(contract.sources)) {
    checks.push(
      env[source.read_url_env]
        ? passed(`source.${name}.read_url`, "environment", `${source.read_url_env} is set.`)
        : failed(
            `source.${name}.read_url`,
            "environment",
            `${source.read_url_env} is not set; it holds the read-only database URL of source ${name}.`,
            `Export ${source.read_url_env} with the URL of a login that may only SELECT, then run doctor again.`,
          ),
    );
    if (source.write_url_env && !env[source.write_url_env]) {
      const needed = writers.has(name);
      const message = `${source.write_url_env} is not set; it holds the writer's URL that apply uses for source ${name}.`;
      const fix = `Export ${source.write_url_env} where approved proposals are applied (not in the MCP server's environment).`;
      // Serving does not need the writer; only apply does, so this alone never stops a server.
      checks.push(needed ? warned(`source.${name}.write_url`, "environment", message, fix) : passed(`source.${name}.write_url`, "environment", `${source.write_url_env} is not set (no sql_update proposal uses it).`));
    }
  }
  return checks;
}

/** The login a URL names: user, host, port and database; undefined when the URL does not parse. */
export function loginOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const postgres = /^postgres(ql)?:$/i.test(parsed.protocol);
  const param = (key: string) => parsed.searchParams.get(key) ?? "";
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const user = decode(parsed.username) || (postgres ? param("user") : "");
  const rawHost = parsed.hostname || (postgres ? param("host") : "") || "localhost";
  // The loopback spellings reach the same server.
  const host = ["localhost", "127.0.0.1", "[::1]", "::1"].includes(rawHost.toLowerCase()) ? "loopback" : rawHost.toLowerCase();
  const port = parsed.port || (postgres ? "5432" : "3306");
  const database = decode(parsed.pathname.replace(/^\//, ""));
  return JSON.stringify([user, host, port, database]);
}

export function checkCredentialsDiffer(contract: Contract, env: NodeJS.ProcessEnv): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  for (const [name, source] of Object.entries(contract.sources)) {
    if (!source.write_url_env) continue;
    const read = env[source.read_url_env];
    const write = env[source.write_url_env];
    if (!read || !write) continue;
    const readLogin = loginOf(read);
    const same = read === write || (readLogin !== undefined && readLogin === loginOf(write));
    checks.push(
      same
        ? failed(
            `source.${name}.credentials`,
            "credentials_shared",
            `${source.read_url_env} and ${source.write_url_env} name the same login (user, host, port and database); the MCP server's reads would run as the writer.`,
            `Create a separate login that may only SELECT, put its URL in ${source.read_url_env}, and keep the writer in ${source.write_url_env}.`,
          )
        : passed(`source.${name}.credentials`, "credentials_shared", `${source.read_url_env} and ${source.write_url_env} are different logins.`),
    );
  }
  return checks;
}
