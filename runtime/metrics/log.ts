// Structured logs on stderr: one JSON object per line, filtered by level, and (on request) one
// line per MCP request saying what was asked and how it ended, never with what arguments.

import { performance } from "node:perf_hooks";
import type { McpServerCore } from "../mcp/protocol.ts";
import type { ToolCallResult } from "../mcp/host.ts";
import { echoed } from "../text/echo.ts";
import { outcomeOf } from "./instrument.ts";
import { UNKNOWN_CAPABILITY } from "./server-metrics.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogEvent = Record<string, unknown>;
export type Log = (event: LogEvent) => void;

export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (value === undefined) return "info";
  return (LOG_LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : undefined;
}

function rank(level: unknown): number {
  const i = LOG_LEVELS.indexOf(level as LogLevel);
  return i === -1 ? 1 : i; // an event without a level counts as info
}

/** Writes events at `minimum` and above as JSON lines, each stamped with the time. */
export function createLog(minimum: LogLevel, write: (line: string) => void): Log {
  const floor = rank(minimum);
  return (event) => {
    if (rank(event.level) >= floor) write(JSON.stringify({ time: new Date().toISOString(), ...event }) + "\n");
  };
}

/** The MCP methods a request line names; anything else a client sends is logged as "other". */
const KNOWN_METHODS = new Set([
  "initialize", "ping", "tools/list", "tools/call", "resources/list", "resources/templates/list", "resources/read",
  "notifications/initialized", "notifications/cancelled", "server/discover",
]);

/**
 * The core with one `request` line per message: method, capability (tools/call), outcome,
 * duration and request id. Arguments, resource URIs and tool names the plan does not know are
 * never written; the client's JSON-RPC id is cut short and escaped. `write` receives every line
 * regardless of the log level (the caller decides whether request lines are wanted).
 */
export function logRequests(core: McpServerCore, capabilityOf: ReadonlyMap<string, string>, write: Log): McpServerCore {
  let sequence = 0;
  return {
    async handle(message) {
      const start = performance.now();
      const response = await core.handle(message);
      const m = (typeof message === "object" && message !== null ? message : {}) as { method?: unknown; id?: unknown; params?: { name?: unknown } };
      const method = typeof m.method === "string" && KNOWN_METHODS.has(m.method) ? m.method : "other";
      const event: LogEvent = { level: "debug", event: "request", request_id: ++sequence, method };
      if (typeof m.id === "number") event.jsonrpc_id = m.id;
      else if (typeof m.id === "string") event.jsonrpc_id = echoed(m.id, 40);
      if (method === "tools/call") {
        event.capability = (typeof m.params?.name === "string" && capabilityOf.get(m.params.name)) || UNKNOWN_CAPABILITY;
      }
      if (response === undefined) event.outcome = "no_reply";
      else if ("error" in response) {
        // A stable code the server put in the error's data (an unknown tool's CAPABILITY_NOT_FOUND), else a generic word.
        const code = (response.error as { data?: { code?: unknown } }).data?.code;
        event.outcome = typeof code === "string" && /^[A-Z_]{1,40}$/.test(code) ? code : "rpc_error";
        event.rpc_code = response.error.code;
      } else event.outcome = method === "tools/call" ? outcomeOf(response.result as unknown as ToolCallResult) : "ok";
      event.duration_ms = Math.round((performance.now() - start) * 1000) / 1000;
      write(event);
      return response;
    },
  };
}
