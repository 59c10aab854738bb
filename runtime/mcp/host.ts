// The seam between the MCP protocol layer and the product: the protocol layer
// (runtime/mcp/protocol.ts) knows JSON-RPC and MCP; a ToolHost knows capabilities.

export interface ToolDescriptor {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  _meta?: Record<string, unknown>;
}

export interface ToolCallResult {
  content: Array<{ type: "text"; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ResourceTemplateDescriptor {
  uriTemplate: string;
  name: string;
  description: string;
  mimeType: string;
}

export interface ResourceContents {
  uri: string;
  mimeType: string;
  text: string;
}

export interface ToolHost {
  readonly serverInfo: { name: string; version: string };
  /** Human-readable instructions returned from initialize. */
  readonly instructions?: string;
  listTools(): ToolDescriptor[];
  /**
   * Never rejects: every failure of a call is an envelope with ok:false. undefined when there is no
   * tool with that name, which the protocol layer answers as a JSON-RPC error (the spec's "Unknown tool").
   * `meta` is the request's `params._meta` as sent (untrusted; read for its W3C traceparent).
   */
  callTool(name: string, args: unknown, meta?: unknown): Promise<ToolCallResult | undefined>;
  listResourceTemplates(): ResourceTemplateDescriptor[];
  /** undefined when the resource does not exist in the caller's tenant. */
  readResource(uri: string): Promise<ResourceContents | undefined>;
}
