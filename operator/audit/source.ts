// Which tools/list `audit` reads, from its flags: exactly one of a file, a Streamable HTTP URL (a
// bearer token from a named variable) or a stdio command. A refusal says what to do instead.

import { envNameRefusal, isEnvName } from "../../runtime/env-name.ts";
import { commandWords } from "./command-words.ts";
import type { LiveTarget } from "./live-server.ts";

export interface SourceFlags {
  tools?: string;
  url?: string;
  authTokenEnv?: string;
  command?: string;
}

export type AuditSource =
  | { ok: true; kind: "file"; path: string }
  | { ok: true; kind: "live"; target: LiveTarget; shown: string }
  | { ok: false; code: "AUDIT_SOURCE_INVALID"; message: string };

export function auditSource(flags: SourceFlags, env: NodeJS.ProcessEnv): AuditSource {
  const refuse = (message: string): AuditSource => ({ ok: false, code: "AUDIT_SOURCE_INVALID", message });
  const given = (["tools", "url", "command"] as const).filter((k) => flags[k] !== undefined);
  if (given.length === 0) {
    return refuse('Nothing to audit. Give exactly one of --tools FILE (a saved tools/list result), --url URL (a Streamable HTTP server) or --command "CMD ..." (a stdio server).');
  }
  if (given.length > 1) return refuse(`Give exactly one of --tools, --url or --command, not ${given.map((k) => `--${k}`).join(" and ")}.`);
  if (flags.authTokenEnv !== undefined && flags.url === undefined) return refuse("--auth-token-env only goes with --url (it names the variable holding the bearer token).");
  if (flags.tools !== undefined) return { ok: true, kind: "file", path: flags.tools };

  if (flags.url !== undefined) {
    let url: URL;
    try {
      url = new URL(flags.url);
    } catch {
      return refuse(`--url ${JSON.stringify(flags.url)} is not a URL. Give the server's MCP endpoint, e.g. http://127.0.0.1:8766/mcp.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return refuse(`--url must be an http:// or https:// MCP endpoint, not ${url.protocol}//.`);
    if (url.username !== "" || url.password !== "") {
      return refuse("--url must not carry credentials (they end up in shell history and process lists). Put the bearer token in an environment variable and name it with --auth-token-env.");
    }
    const shown = `${url.origin}${url.pathname}`;
    if (flags.authTokenEnv === undefined) return { ok: true, kind: "live", target: { kind: "http", url }, shown };
    if (!isEnvName(flags.authTokenEnv)) return refuse(envNameRefusal("--auth-token-env"));
    const token = env[flags.authTokenEnv];
    if (!token) return refuse(`Environment variable ${flags.authTokenEnv} (named by --auth-token-env) is not set; it should hold the server's bearer token. Export it and run again.`);
    return { ok: true, kind: "live", target: { kind: "http", url, token }, shown };
  }

  const words = commandWords(flags.command!);
  if (!words.ok) return refuse(words.message);
  const [command, ...args] = words.words;
  return { ok: true, kind: "live", target: { kind: "stdio", command: command!, args }, shown: `--command ${JSON.stringify(flags.command)}` };
}
