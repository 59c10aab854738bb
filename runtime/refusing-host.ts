// A server whose own configuration stops every call (for instance a trusted context that holds a
// credential) still starts and lists its tools, so the client sees why instead of a dead process:
// each call answers CONFIGURATION_ERROR, no resource is readable, and nothing reaches a database
// or the ledger. The refused values are never echoed; `_meta` carries no tenant or principal.

import type { Capability } from "./capability.ts";
import { describeTool, toToolResult, type AliasMode } from "./capability-host.ts";
import { errorEnvelope } from "./envelope.ts";
import type { SafeError } from "./errors.ts";
import type { ToolHost } from "./mcp/host.ts";

export function createRefusingHost(
  capabilities: readonly Capability[],
  message: string,
  options: { serverName: string; version: string; aliasMode: AliasMode },
): ToolHost {
  const error: SafeError = { code: "CONFIGURATION_ERROR", message, retryable: false };
  const tools = capabilities.map((c) => ({ descriptor: describeTool(c, options.aliasMode), capability: c }));
  return {
    serverInfo: { name: options.serverName, version: options.version },
    listTools: () => tools.map((t) => t.descriptor),
    async callTool(name) {
      const known = tools.find((t) => t.descriptor.name === name)?.capability;
      // An unknown name is not echoed: the answer is the same whatever the caller sent.
      return toToolResult(errorEnvelope(known?.name ?? "unknown_tool", known?.kind ?? "read", error, undefined));
    },
    listResourceTemplates: () => [],
    readResource: async () => undefined,
  };
}
