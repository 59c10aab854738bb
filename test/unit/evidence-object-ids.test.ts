// The ledger indexes evidence by object id (search by object). The ids come from the row the
// statement returned, not from what the model is shown: a hidden primary key still gives the
// real id, and a row without the key (a read that never selects it) gives none, never "undefined".

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ProposalCapability, ReadCapability } from "../../runtime/capability.ts";
import { prepareCapability, type CallEnvironment } from "../../runtime/calls/call-context.ts";
import { callProposal } from "../../runtime/calls/proposal.ts";
import { callRead } from "../../runtime/calls/read.ts";
import type { ReadRecord } from "../../runtime/ledger/records.ts";

const valid = Object.assign(() => true, { errors: null });
const common = {
  description: "",
  source: "app",
  engine: "postgres",
  target: { table: "tickets", primaryKey: "id", tenantKey: "org" },
  inputSchema: { type: "object", properties: { ticket_id: { type: "string" }, priority: { type: "integer" } } },
  validateArgs: valid,
  statement: { text: "SELECT 1" },
  params: (args: Record<string, unknown>) => [args.ticket_id],
  paramSources: ["arg:ticket_id"],
  evidence: "required",
};

function environment(rows: Record<string, unknown>[]) {
  const recorded: ReadRecord[] = [];
  const env = {
    adapters: new Map([["app", { query: async () => rows }]]),
    ledger: {
      reads: {
        recordRead: async (r: ReadRecord) => {
          recorded.push(r);
          return { evidenceId: "ev_1" };
        },
      },
      proposals: { create: async () => ({ id: "pr_1", state: "review_required" }) },
    },
    context: { tenantId: "acme", principal: "agent" },
    log: () => undefined,
  } as unknown as CallEnvironment;
  return { env, recorded };
}

describe("evidence object ids", () => {
  test("a proposal whose key column is hidden records the real key", async () => {
    const cap = {
      ...common,
      name: "support.propose_priority",
      kind: "proposal",
      columns: ["priority"],
      visibleColumns: ["priority"],
      patch: (args: Record<string, unknown>) => ({ priority: args.priority as number }),
      allowedColumns: ["priority"],
      numericBounds: {},
      transitionGuards: {},
      idArg: "ticket_id",
      approval: { mode: "human" },
      executor: { type: "sql_update" },
      planHash: "p",
    } as unknown as ProposalCapability;
    const { env, recorded } = environment([{ id: "T-1", priority: 2 }]);
    const e = await callProposal(env, prepareCapability(cap), { ticket_id: "T-1", priority: 4 });
    assert.equal(e.ok, true, e.summary);
    assert.deepEqual(recorded.at(-1)!.objectIds, ["T-1"]);
    assert.deepEqual(recorded.at(-1)!.rows, [{ priority: 2 }], "the evidence row is still the projected one");
  });

  test("a read that does not select its hidden key records no object id rather than 'undefined'", async () => {
    const cap = { ...common, name: "support.list", kind: "read", columns: ["priority"], single: false, maxRows: 10 } as unknown as ReadCapability;
    const { env, recorded } = environment([{ priority: 2 }, { priority: 3 }]);
    const e = await callRead(env, prepareCapability(cap), { ticket_id: "T-1" });
    assert.equal(e.ok, true, e.summary);
    assert.deepEqual(recorded.at(-1)!.objectIds, []);
  });

  test("a read that shows its key records it", async () => {
    const cap = { ...common, name: "support.list", kind: "read", columns: ["id", "priority"], single: false, maxRows: 10 } as unknown as ReadCapability;
    const { env, recorded } = environment([{ id: "T-1", priority: 2 }, { id: "T-2", priority: 3 }]);
    await callRead(env, prepareCapability(cap), {});
    assert.deepEqual(recorded.at(-1)!.objectIds, ["T-1", "T-2"]);
  });
});
