// The product side of the MCP server: tools are exactly the compiled capabilities, and
// resources are the caller's own proposals and evidence. Nothing else is reachable.

import type { Capability } from "./capability.ts";
import { prepareCapability, type CallEnvironment, type PreparedCapability } from "./calls/call-context.ts";
import { callProposal } from "./calls/proposal.ts";
import { callRead } from "./calls/read.ts";
import type { StoredProposal } from "./ledger/records.ts";
import { ENVELOPE_OUTPUT_SCHEMA, errorEnvelope, type Envelope } from "./envelope.ts";
import type { ResourceContents, ResourceTemplateDescriptor, ToolCallResult, ToolDescriptor, ToolHost } from "./mcp/host.ts";
import { withRawJson } from "./mcp/raw-json.ts";

export type AliasMode = "canonical" | "openai";

export interface HostOptions {
  serverName: string;
  version: string;
  aliasMode: AliasMode;
}

const RESOURCE_PREFIXES = { proposals: "synapsor://proposals/", evidence: "synapsor://evidence/" } as const;

export function toolNameFor(capability: Capability, aliasMode: AliasMode): string {
  return aliasMode === "openai" ? capability.name.replace(/\./g, "__") : capability.name;
}

export function describeTool(capability: Capability, aliasMode: AliasMode): ToolDescriptor {
  const name = toolNameFor(capability, aliasMode);
  const isRead = capability.kind === "read";
  return {
    name,
    title: capability.name,
    description: aliasMode === "openai" ? `[${capability.name}] ${capability.description}` : capability.description,
    inputSchema: capability.inputSchema,
    outputSchema: ENVELOPE_OUTPUT_SCHEMA,
    annotations: {
      title: capability.name,
      readOnlyHint: isRead,
      destructiveHint: false,
      // A read returns the same row for the same arguments; each proposal call records a new proposal.
      idempotentHint: isRead,
      openWorldHint: false,
    },
    _meta: { canonical_capability: capability.name, kind: capability.kind },
  };
}

export function createCapabilityHost(capabilities: readonly Capability[], env: CallEnvironment, options: HostOptions): ToolHost {
  const byToolName = new Map<string, PreparedCapability>();
  const descriptors: ToolDescriptor[] = [];
  for (const capability of capabilities) {
    const descriptor = describeTool(capability, options.aliasMode);
    byToolName.set(descriptor.name, prepareCapability(capability));
    descriptors.push(descriptor);
  }

  return {
    serverInfo: { name: options.serverName, version: options.version },
    instructions:
      "Tools read rows of your tenant and propose changes for human review. Proposals never change the database; " +
      "a person approves them outside this conversation. Branch on `ok`; read `summary` first.",
    listTools: () => descriptors,
    async callTool(name, args) {
      const prepared = byToolName.get(name);
      let envelope: Envelope;
      if (!prepared) {
        // The name is the caller's; echo a bounded, printable form of it only.
        const shown = String(name).replace(/[^\x20-\x7e]/g, "?").slice(0, 128);
        envelope = errorEnvelope(
          shown,
          "read",
          { code: "CAPABILITY_NOT_FOUND", message: `There is no tool named '${shown}'. Use one of the listed tools.`, retryable: false },
          env.context,
        );
      } else if (prepared.capability.kind === "read") {
        envelope = await callRead(env, prepared, args);
      } else {
        envelope = await callProposal(env, prepared, args);
      }
      return toToolResult(envelope);
    },
    listResourceTemplates: () => RESOURCE_TEMPLATES,
    async readResource(uri) {
      return readScopedResource(env, uri);
    },
  };
}

export function toToolResult(envelope: Envelope): ToolCallResult {
  // The envelope is serialised once; the same text is the content and, spliced, the structuredContent.
  const text = JSON.stringify(envelope);
  const structuredContent = envelope as unknown as Record<string, unknown>;
  const content: ToolCallResult["content"] = [{ type: "text", text }];
  const result: ToolCallResult = envelope.ok ? { content, structuredContent } : { content, structuredContent, isError: true };
  const json = `{"content":[{"type":"text","text":${JSON.stringify(text)}}],"structuredContent":${text}${envelope.ok ? "" : ',"isError":true'}}`;
  return withRawJson(result, json);
}

const RESOURCE_TEMPLATES: ResourceTemplateDescriptor[] = [
  {
    uriTemplate: "synapsor://proposals/{id}",
    name: "proposal",
    description: "A proposal created in your tenant: its diff, guards, state and evidence link (read-only).",
    mimeType: "application/json",
  },
  {
    uriTemplate: "synapsor://evidence/{id}",
    name: "evidence",
    description: "An evidence bundle recorded by a read in your tenant: the rows returned and when (read-only).",
    mimeType: "application/json",
  },
];

async function readScopedResource(env: CallEnvironment, uri: string): Promise<ResourceContents | undefined> {
  const tenant = env.context.tenantId;
  let body: unknown;
  if (uri.startsWith(RESOURCE_PREFIXES.proposals)) {
    body = publicProposal(await env.ledger.proposals.get(uri.slice(RESOURCE_PREFIXES.proposals.length), tenant));
  } else if (uri.startsWith(RESOURCE_PREFIXES.evidence)) {
    body = await env.ledger.reads.getEvidence(uri.slice(RESOURCE_PREFIXES.evidence.length), tenant);
  }
  if (!body) return undefined;
  return { uri, mimeType: "application/json", text: JSON.stringify(body) };
}

/** The stored proposal minus what a model has no business reading (the full before/after rows). */
function publicProposal(p: StoredProposal | undefined) {
  if (!p) return undefined;
  return {
    id: p.id,
    capability: p.capability,
    state: p.state,
    target: p.target,
    diff: Object.fromEntries(Object.entries(p.patch).map(([c, v]) => [c, { before: p.before[c] ?? null, proposed: v }])),
    guards: p.guards,
    evidence_id: p.evidenceId,
    approval: p.approval,
    hash: p.hash,
    created_at: p.createdAt,
    source_database_changed: false,
  };
}
