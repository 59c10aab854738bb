// `--check-handlers`: each app-owned executor is reachable, without sending it a job.
// http_handler: one OPTIONS request with no body and no credentials. The handler helper answers
// every method but POST with 405 and `Allow: POST` without reading anything, and any other server
// answers OPTIONS without side effects, so any HTTP reply proves the address and port.
// command_handler: the command's program exists and may be executed; the command is never run.

import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import type { Contract, ExecutorConfig } from "../../compiler/config/contract.ts";
import { failed, passed, warned, type DoctorCheck } from "./check.ts";

const PROBE_TIMEOUT_MS = 5000;

export async function checkHandlers(contract: Contract, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type === "http_handler") checks.push(...(await checkHttpHandler(name, executor, env)));
    else if (executor.type === "command_handler") checks.push(checkCommandHandler(name, executor, env));
  }
  if (checks.length === 0) checks.push(passed("handlers", "handler", "The config has no http_handler or command_handler executor."));
  return checks;
}

async function checkHttpHandler(name: string, executor: Extract<ExecutorConfig, { type: "http_handler" }>, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const check = `handler.${name}`;
  const checks: DoctorCheck[] = [];
  if (executor.auth && !env[executor.auth.token_env]) {
    checks.push(failed(`${check}.token`, "environment", `${executor.auth.token_env} (the handler's bearer token) is not set.`, `Export ${executor.auth.token_env} where proposals are applied.`));
  }
  if (executor.signing_secret_env && !env[executor.signing_secret_env]) {
    checks.push(failed(`${check}.signing_secret`, "environment", `${executor.signing_secret_env} (the request signing secret) is not set.`, `Export ${executor.signing_secret_env} where proposals are applied.`));
  }
  const url = env[executor.url_env];
  if (!url) {
    checks.push(failed(check, "environment", `${executor.url_env} (the handler's URL) is not set.`, `Export ${executor.url_env} with the handler's http(s) URL.`));
    return checks;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    checks.push(failed(check, "environment", `${executor.url_env} does not hold an http or https URL.`, `Set ${executor.url_env} to the handler's URL, e.g. http://127.0.0.1:PORT/path.`));
    return checks;
  }
  // The probe sends no credentials, those in the URL's userinfo included (fetch refuses such a URL anyway).
  parsed.username = "";
  parsed.password = "";
  const timeout = Math.min(executor.timeout_ms ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  try {
    const reply = await fetch(parsed, { method: "OPTIONS", redirect: "manual", signal: AbortSignal.timeout(timeout) });
    await reply.body?.cancel().catch(() => undefined);
    if (reply.status >= 500) {
      checks.push(warned(check, "handler", `The handler at ${executor.url_env} answered the probe with HTTP ${reply.status}; it is reachable but reports a server error.`, "Check the handler's own logs before applying a proposal."));
    } else if (reply.status === 404) {
      checks.push(warned(check, "handler", `The server at ${executor.url_env} answered the probe with HTTP 404: it is reachable, but nothing may be mounted at that path.`, `Check the path in ${executor.url_env} against the route the handler listens on.`));
    } else {
      checks.push(passed(check, "handler", `The handler at ${executor.url_env} is reachable (HTTP ${reply.status} to a probe that sends no job).`));
    }
  } catch (err) {
    const timedOut = (err as { name?: unknown }).name === "TimeoutError";
    checks.push(
      failed(
        check,
        "handler",
        timedOut ? `The handler at ${executor.url_env} did not answer within ${timeout} ms.` : `The handler at ${executor.url_env} is not reachable (connection refused, unknown host or TLS failure).`,
        `Start the handler, or correct the host and port in ${executor.url_env}.`,
      ),
    );
  }
  return checks;
}

function checkCommandHandler(name: string, executor: Extract<ExecutorConfig, { type: "command_handler" }>, env: NodeJS.ProcessEnv): DoctorCheck {
  const check = `handler.${name}`;
  const command = env[executor.command_env];
  if (!command || command.trim() === "") {
    return failed(check, "environment", `${executor.command_env} (the handler command) is not set.`, `Export ${executor.command_env} with the command that applies a proposal.`);
  }
  const program = programOf(command);
  if (program === undefined) {
    return warned(check, "handler", `The command in ${executor.command_env} starts with shell syntax, so its program was not checked.`, "Make sure the command runs under /bin/sh -c as the apply user.");
  }
  const found = findExecutable(program, env.PATH ?? "");
  return found
    ? passed(check, "handler", `The program of the command in ${executor.command_env} exists and is executable.`)
    : failed(check, "handler", `The program the command in ${executor.command_env} starts is not found or not executable.`, `Install it, make it executable (chmod +x), or use its absolute path in ${executor.command_env}.`);
}

/** The program a /bin/sh command line starts: the first word after any VAR=value assignments; undefined for quoting or other syntax. */
function programOf(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  const first = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  if (first === undefined || /['"`$\\(){}|;&<>]/.test(first)) return undefined;
  return first;
}

function findExecutable(program: string, path: string): boolean {
  const candidates = program.includes("/") ? [program] : path.split(delimiter).filter((dir) => isAbsolute(dir)).map((dir) => join(dir, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
