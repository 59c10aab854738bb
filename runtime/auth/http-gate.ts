// The HTTP side of http_jwt: turns each request's verified token into the core that answers it
// (one per tenant and principal, built once and kept in a bounded cache), or into the 401/403 the
// MCP authorization spec asks for, with the resource metadata URL a client needs to get a token.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { TrustedContext } from "../context.ts";
import type { AuthDecision, ExtraRoute } from "../mcp/http.ts";
import type { McpServerCore } from "../mcp/protocol.ts";
import type { JwtVerifier } from "./jwt-verifier.ts";
import type { ResourceMetadata } from "./resource-metadata.ts";

/** Distinct callers whose cores are kept; the least recently used one is dropped beyond it. */
const MAX_CACHED_CORES = 1024;

export function createJwtGate(
  verifier: JwtVerifier,
  metadata: ResourceMetadata,
  coreForContext: (context: TrustedContext) => McpServerCore,
): (request: IncomingMessage) => Promise<AuthDecision> {
  const cores = new Map<string, McpServerCore>();
  const coreFor = (context: TrustedContext): McpServerCore => {
    // JSON keeps the key unambiguous whatever characters the values hold; the roles are part of
    // who calls, so one principal with other roles gets a core of its own.
    const key = JSON.stringify([context.tenantId, context.principal, context.roles ?? null]);
    let core = cores.get(key);
    if (core !== undefined) {
      cores.delete(key);
    } else {
      core = coreForContext(context);
      if (cores.size >= MAX_CACHED_CORES) cores.delete(cores.keys().next().value!);
    }
    cores.set(key, core);
    return core;
  };
  const challengeBase = `Bearer resource_metadata="${metadata.url}"`;

  return async (request) => {
    const outcome = await verifier.verify(request.headers.authorization);
    if (outcome.ok) return { ok: true, core: coreFor(outcome.context) };
    const headers: Record<string, string> = {};
    if (outcome.status === 503) return { ok: false, status: 503, message: `Service Unavailable: ${outcome.description}`, headers: { "Retry-After": "5" } };
    if (outcome.status === 401 || outcome.error === "insufficient_scope") {
      const error = outcome.error === undefined ? "" : `, error="${outcome.error}"`;
      const scope = outcome.error === "insufficient_scope" ? `, scope="${scopesOf(metadata).join(" ")}"` : "";
      headers["WWW-Authenticate"] = `${challengeBase}${error}${scope}`;
    }
    return { ok: false, status: outcome.status, message: outcome.status === 401 ? `Unauthorized: ${outcome.description}` : `Forbidden: ${outcome.description}`, headers };
  };
}

function scopesOf(metadata: ResourceMetadata): string[] {
  return metadata.document.scopes_supported ?? [];
}

/** The RFC 9728 document at its well-known path: public by design, the same for every caller. */
export function resourceMetadataRoute(metadata: ResourceMetadata): ExtraRoute {
  const body = JSON.stringify(metadata.document);
  return {
    path: metadata.localPath,
    handle(req: IncomingMessage, res: ServerResponse) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD", "Content-Length": 0 });
        res.end();
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), "Cache-Control": "max-age=300" });
      res.end(req.method === "HEAD" ? undefined : body);
    },
  };
}
