// The tools/list of a running server, fetched with the MCP SDK's own Client: over Streamable HTTP
// (`--url`, a bearer token from an environment variable) or over stdio from a command the audit
// starts (`--command`). Every page is followed. Errors are values with a stable code; a token
// never appears in one.

import type { AuditedList } from "./finding.ts";
import { toolsListFrom } from "./tools-list.ts";

export type LiveFetch = { ok: true; list: AuditedList } | { ok: false; code: "AUDIT_SERVER_UNREACHABLE" | "AUDIT_TIMEOUT" | "AUDIT_INPUT_INVALID"; message: string };

export type LiveTarget =
  | { kind: "http"; url: URL; token?: string }
  | { kind: "stdio"; command: string; args: string[] };

/** A server that pages its list forever is cut off here; no real server has this many pages. */
const MAX_PAGES = 100;

export async function fetchToolsList(target: LiveTarget, timeoutMs: number): Promise<LiveFetch> {
  // The SDK (and zod under it) takes ~0.4 s to load: only the live forms of `audit` pay for it.
  const [{ Client }, transport] = await Promise.all([import("@modelcontextprotocol/sdk/client/index.js"), transportFor(target)]);
  const client = new Client({ name: "synapsor-runner-audit", version: "1.0.0" });
  let stderr = "";
  if ("stderr" in transport && transport.stderr) transport.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-2000)));
  const where = target.kind === "http" ? `the server at ${target.url.origin}${target.url.pathname}` : `the server started by --command (${JSON.stringify(target.command)})`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<LiveFetch>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, code: "AUDIT_TIMEOUT", message: `${where} did not answer initialize and tools/list within ${timeoutMs / 1000} s. Check that it is up and speaks MCP${target.kind === "stdio" ? " on stdio" : " over Streamable HTTP"}, or raise --timeout.` }),
      timeoutMs,
    );
  });
  const work = (async (): Promise<LiveFetch> => {
    try {
      await client.connect(transport);
    } catch (err) {
      return { ok: false, code: "AUDIT_SERVER_UNREACHABLE", message: `Could not connect to ${where}: ${reason(err, target)}${hint(target, err)}${lastLines(stderr)}` };
    }
    try {
      const tools: unknown[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await client.listTools(cursor === undefined ? {} : { cursor });
        for (const tool of result.tools) tools.push(tool); // not push(...): a page of 100,000 tools would overflow the stack
        cursor = result.nextCursor;
        if (cursor === undefined) break;
      }
      return toolsListFrom({ tools }, where);
    } catch (err) {
      return { ok: false, code: "AUDIT_SERVER_UNREACHABLE", message: `${where} failed tools/list: ${reason(err, target)}${lastLines(stderr)}` };
    }
  })();
  try {
    const outcome = await Promise.race([work, timeout]);
    // A server that never answered is not asked to wind down (the SDK's close waits seconds for that): it is ended.
    if (!outcome.ok && outcome.code === "AUDIT_TIMEOUT" && "pid" in transport && typeof transport.pid === "number") {
      try {
        process.kill(transport.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    return outcome;
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

async function transportFor(target: LiveTarget) {
  if (target.kind === "http") {
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    const headers: Record<string, string> = target.token === undefined ? {} : { Authorization: `Bearer ${target.token}` };
    return new StreamableHTTPClientTransport(target.url, { requestInit: { headers } });
  }
  const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  // The server is the operator's own command, run as they would run it: it inherits this environment.
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  return new StdioClientTransport({ command: target.command, args: target.args, env, stderr: "pipe" });
}

/** The error's text without the bearer token: a server's error body is its own and may echo the request back. */
function reason(err: unknown, target: LiveTarget): string {
  const token = target.kind === "http" ? target.token : undefined;
  // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a TLS failure).
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message})` : "";
  const raw = (err instanceof Error ? err.message : String(err)) + cause;
  const text = token ? raw.split(token).join("[token redacted]") : raw;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** What to do about the commonest failures to start or reach a server. */
function hint(target: LiveTarget, err: unknown): string {
  if (target.kind === "stdio") {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return `. No program ${JSON.stringify(target.command)} on PATH: give its full path, or the interpreter and the script (node server.mjs).`;
    if (/connection closed/i.test(reason(err, target))) return ". The server exited (or closed its stdout) before answering initialize: run the command by hand to see why.";
    return "";
  }
  if (/\b401\b|unauthori[sz]ed/i.test(reason(err, target))) return ". The server refused the credentials: check the token in the variable --auth-token-env names (or add --auth-token-env).";
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(reason(err, target))) return ". Nothing answers there: check the host, the port and that the server is up.";
  return "";
}

function lastLines(stderr: string): string {
  const tail = stderr.trim().split("\n").slice(-3).join("\n");
  return tail === "" ? "" : `\nIts stderr ended with:\n${tail}`;
}
