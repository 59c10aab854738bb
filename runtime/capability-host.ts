// The product side of the MCP server: tools are exactly the compiled capabilities, and
// resources are the caller's own proposals, evidence and proposal replays. Nothing else is reachable.

import type { Capability } from "./capability.ts";
import { prepareCapability, type CallEnvironment, type PreparedCapability } from "./calls/call-context.ts";
import { callProposal } from "./calls/proposal.ts";
import { callRead } from "./calls/read.ts";
import { LIST_LIMIT } from "./ledger/ports.ts";
import { REPLAY_ID_PREFIX, type Decision, type EvidenceBundle, type StoredProposal } from "./ledger/records.ts";
import { projectRow, visibleColumnsOf, visibleDiff } from "./calls/visible.ts";
import { errorEnvelope, type Envelope } from "./envelope.ts";
import type { ResourceContents, ResourceTemplateDescriptor, ToolCallResult, ToolDescriptor, ToolHost } from "./mcp/host.ts";
import { withRawJson } from "./mcp/raw-json.ts";
import { traceparentOfMeta } from "./mcp/trace-context.ts";

export type AliasMode = "canonical" | "openai";

export interface HostOptions {
  serverName: string;
  version: string;
  aliasMode: AliasMode;
}

/** What the model may see of one capability's records: its visible columns, and which is the key. */
interface ModelView {
  visible: readonly string[];
  primaryKey: string | undefined;
}

const RESOURCE_PREFIXES = { proposals: "synapsor://proposals/", evidence: "synapsor://evidence/", replay: "synapsor://replay/" } as const;

export function toolNameFor(capability: Capability, aliasMode: AliasMode): string {
  return aliasMode === "openai" ? capability.name.replace(/\./g, "__") : capability.name;
}

/**
 * Hints that differ from the spec's defaults (readOnlyHint false, destructiveHint true,
 * idempotentHint false, openWorldHint true), and only those the spec gives a meaning:
 * destructiveHint and idempotentHint mean something only when readOnlyHint is false.
 */
const READ_HINTS = Object.freeze({ readOnlyHint: true, openWorldHint: false });
// A proposal adds a row to the ledger, never changes one in the database; each call records a new
// proposal, so it is not idempotent (the default).
const PROPOSAL_HINTS = Object.freeze({ destructiveHint: false, openWorldHint: false });

/**
 * What tools/list says about one capability. tools/list repeats every byte of it for every tool on
 * every connection, so nothing is said twice: no title that repeats the name (clients display
 * title, then annotations.title, then name), no hint at its default, and `_meta` only with an
 * alias, to map it back to the capability. The outputSchema is the tool's own typed result
 * (compiler/plan/output-schema.ts).
 */
export function describeTool(capability: Capability, aliasMode: AliasMode): ToolDescriptor {
  const name = toolNameFor(capability, aliasMode);
  const aliased = name !== capability.name;
  return {
    name,
    ...(aliased ? { title: capability.name } : {}),
    description: aliasMode === "openai" ? `[${capability.name}] ${capability.description}` : capability.description,
    inputSchema: capability.inputSchema,
    outputSchema: capability.outputSchema,
    annotations: capability.kind === "read" ? READ_HINTS : PROPOSAL_HINTS,
    ...(aliased ? { _meta: { canonical_capability: capability.name } } : {}),
  };
}

/** Whether a descriptor from describeTool is a proposal: every read, and only a read, is read-only. */
export function isProposalTool(tool: ToolDescriptor): boolean {
  return tool.annotations?.readOnlyHint !== true;
}

export function createCapabilityHost(capabilities: readonly Capability[], env: CallEnvironment, options: HostOptions): ToolHost {
  const byToolName = new Map<string, PreparedCapability>();
  const descriptors: ToolDescriptor[] = [];
  // A record names the capability that made it; what the model may see of it is that capability's
  // visible columns. A capability this build no longer has shows none.
  const viewByCapability = new Map(capabilities.map((c) => [c.name, { visible: visibleColumnsOf(c), primaryKey: c.target.primaryKey }] as const));
  const viewOf = (name: string): ModelView => viewByCapability.get(name) ?? { visible: [], primaryKey: undefined };
  for (const capability of capabilities) {
    const descriptor = describeTool(capability, options.aliasMode);
    byToolName.set(descriptor.name, prepareCapability(capability));
    descriptors.push(descriptor);
  }
  // Undefined without call limits: the call path then pays one comparison.
  const admit = env.limits?.admitterFor(env.context);

  return {
    serverInfo: { name: options.serverName, version: options.version },
    instructions:
      "Tools read rows of your tenant and propose changes for human review. Proposals never change the database; " +
      "a person approves them outside this conversation. Branch on `ok`; read `summary` first. " +
      "Each result carries an evidence handle for the audit trail; you do not need to act on it.",
    listTools: () => descriptors,
    async callTool(name, args, meta) {
      const prepared = byToolName.get(name);
      // No such tool is a protocol error (-32602), answered by runtime/mcp/protocol.ts.
      if (!prepared) return undefined;
      // Refused before arguments are even read: a refused call touches no database and no ledger.
      const refusal = admit === undefined ? undefined : admit();
      if (refusal !== undefined) return toToolResult(errorEnvelope(prepared.capability.name, prepared.capability.kind, refusal, env.context));
      const traceparent = traceparentOfMeta(meta);
      const callEnv = traceparent === undefined ? env : { ...env, traceparent };
      const envelope: Envelope =
        prepared.capability.kind === "read" ? await callRead(callEnv, prepared, args) : await callProposal(callEnv, prepared, args);
      return toToolResult(envelope);
    },
    listResourceTemplates: () => RESOURCE_TEMPLATES,
    async readResource(uri) {
      return readScopedResource(env, uri, viewOf);
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
  {
    uriTemplate: "synapsor://replay/{id}",
    name: "replay",
    description: "What became of a proposal in your tenant (id replay_wrp_… or wrp_…): its evidence, the decision, receipts and events, in order (read-only).",
    mimeType: "application/json",
  },
];

async function readScopedResource(
  env: CallEnvironment,
  uri: string,
  viewOf: (capability: string) => ModelView,
): Promise<ResourceContents | undefined> {
  const tenant = env.context.tenantId;
  let body: unknown;
  if (uri.startsWith(RESOURCE_PREFIXES.proposals)) {
    const proposal = await env.ledger.proposals.get(uri.slice(RESOURCE_PREFIXES.proposals.length), tenant);
    const decisions = proposal ? await env.ledger.proposals.decisions(proposal.id) : [];
    body = publicProposal(proposal, decisions, viewOf);
  } else if (uri.startsWith(RESOURCE_PREFIXES.evidence)) {
    body = publicEvidence(await env.ledger.reads.getEvidence(uri.slice(RESOURCE_PREFIXES.evidence.length), tenant), viewOf);
  } else if (uri.startsWith(RESOURCE_PREFIXES.replay)) {
    body = await publicReplay(env, uri.slice(RESOURCE_PREFIXES.replay.length), viewOf);
  }
  if (!body) return undefined;
  return { uri, mimeType: "application/json", text: JSON.stringify(body) };
}

/**
 * The stored proposal as the model may read it: the full before/after rows stay for reviewers, and
 * every column, value and guard shown is one of the capability's visible columns.
 */
function publicProposal(p: StoredProposal | undefined, decisions: readonly Decision[], viewOf: (capability: string) => ModelView) {
  if (!p) return undefined;
  const decision = decisions.at(-1);
  const { visible } = viewOf(p.capability);
  const shown = (column: string) => visible.includes(column);
  const key = p.target.primaryKey;
  const { tenant, conflict, transitions, preconditions } = p.guards;
  const shownTransitions = (transitions ?? []).filter((t) => shown(t.column));
  const shownPreconditions = (preconditions ?? []).filter((t) => shown(t.column));
  const diff = visibleDiff(p.before, p.patch, visible);
  return {
    id: p.id,
    capability: p.capability,
    state: p.state,
    // The key's value is the id the caller asked for; its column is named only when visible.
    target: { ...(p.target.schema !== undefined ? { schema: p.target.schema } : {}), table: p.target.table, primaryKey: shown(key.column) ? key : { value: key.value } },
    diff,
    // Changes to hidden columns are counted, never named, as in the tool result's summary.
    hidden_changes: Object.keys(p.patch).length - Object.keys(diff).length,
    guards: {
      // The tenant is the caller's own (also in every _meta); its column is named only when visible.
      tenant: shown(tenant.column) ? tenant : { value: tenant.value },
      ...(conflict && shown(conflict.column) ? { conflict } : {}),
      ...(shownTransitions.length > 0 ? { transitions: shownTransitions } : {}),
      ...(shownPreconditions.length > 0 ? { preconditions: shownPreconditions } : {}),
    },
    evidence_id: p.evidenceId,
    approval: p.approval,
    // No change-set hash: it covers the hidden before/after values, and being unkeyed it would
    // let the caller confirm guesses of them offline. Reviewers see it in `review`.
    created_at: p.createdAt,
    // What the reviewer decided, so the agent can tell its user; a rejection's reason is written for
    // the agent to read. Who decided and in which role stay with the reviewers.
    review: decision
      ? { decision: decision.decision, decided_at: decision.createdAt, ...(decision.decision === "rejected" ? { reason: decision.reason } : {}) }
      : null,
    source_database_changed: false,
  };
}

/** An evidence bundle as the model may read it: rows projected again (older bundles kept whole rows). */
function publicEvidence(e: EvidenceBundle | undefined, viewOf: (capability: string) => ModelView) {
  if (!e) return undefined;
  const { visible, primaryKey } = viewOf(e.capability);
  const { objectIds, ...rest } = e;
  // Object ids are key values: listed only when the key column is visible.
  const keyShown = primaryKey !== undefined && visible.includes(primaryKey);
  return { ...rest, rows: e.rows.map((row) => projectRow(row, visible)), ...(keyShown ? { objectIds } : {}) };
}

/**
 * A proposal's replay as the model may read it: the proposal and its evidence as their own
 * resources show them, then what people and executors did with it. The decision keeps its
 * outcome, time and reason (a rejection's reason is meant to reach the agent), not who decided;
 * receipts keep their status and counts, not the handler's message or the version values (the
 * version column may be hidden); events keep their type and time, not their detail (which quotes
 * hashes and the writeback job). Another tenant's proposal is as missing as one that never existed.
 */
async function publicReplay(env: CallEnvironment, id: string, viewOf: (capability: string) => ModelView) {
  const proposalId = id.startsWith(REPLAY_ID_PREFIX) ? id.slice(REPLAY_ID_PREFIX.length) : id;
  const tenant = env.context.tenantId;
  const proposal = await env.ledger.proposals.get(proposalId, tenant);
  if (!proposal) return undefined;
  const [evidence, decisions, receipts, events] = await Promise.all([
    env.ledger.reads.getEvidence(proposal.evidenceId, tenant),
    env.ledger.proposals.decisions(proposal.id),
    env.ledger.writeback.listReceipts({ proposalId: proposal.id, tenantId: tenant, limit: LIST_LIMIT }),
    env.ledger.events.list({ proposalId: proposal.id, afterId: 0, limit: LIST_LIMIT }),
  ]);
  const decision = decisions[0];
  return {
    id: `${REPLAY_ID_PREFIX}${proposal.id}`,
    proposal_id: proposal.id,
    state: proposal.state,
    proposal: publicProposal(proposal, decisions, viewOf),
    evidence: publicEvidence(evidence, viewOf) ?? null,
    decision: decision ? { decision: decision.decision, reason: decision.reason, created_at: decision.createdAt } : null,
    // Oldest first, like the events.
    receipts: receipts.reverse().map((r) => ({
      id: r.id,
      status: r.receipt.status,
      rows_affected: r.receipt.rows_affected,
      source_database_mutated: r.receipt.source_database_mutated,
      safe_error_code: r.receipt.safe_error_code,
      created_at: r.createdAt,
    })),
    events: events.map((e) => ({ type: e.type, created_at: e.createdAt })),
  };
}
