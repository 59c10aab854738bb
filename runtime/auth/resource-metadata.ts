// RFC 9728 protected resource metadata: where a client that got a 401 learns which authorization
// server issues tokens for this endpoint. The resource is the configured audience, so the
// document names the same URI every accepted token must carry.

import type { HttpJwtSettings } from "./settings.ts";

const WELL_KNOWN = "/.well-known/oauth-protected-resource";

export interface ResourceMetadata {
  /** Path this server answers it on: the well-known prefix plus the MCP path (RFC 9728 §3.1). */
  localPath: string;
  /** Absolute URL of the document as clients reach it, for `WWW-Authenticate: ... resource_metadata`. */
  url: string;
  document: {
    resource: string;
    authorization_servers: string[];
    bearer_methods_supported: ["header"];
    scopes_supported?: string[];
  };
}

export function resourceMetadataFor(settings: HttpJwtSettings, mcpPath: string): ResourceMetadata {
  const resource = new URL(settings.audience);
  // A resource with a path has the well-known segment inserted between host and path.
  const publicPath = resource.pathname === "/" ? WELL_KNOWN : `${WELL_KNOWN}${resource.pathname}`;
  return {
    localPath: mcpPath === "/" ? WELL_KNOWN : `${WELL_KNOWN}${mcpPath}`,
    url: `${resource.origin}${publicPath}`,
    document: {
      resource: settings.audience,
      authorization_servers: [settings.issuer],
      bearer_methods_supported: ["header"],
      ...(settings.requiredScopes.length > 0 ? { scopes_supported: settings.requiredScopes } : {}),
    },
  };
}
