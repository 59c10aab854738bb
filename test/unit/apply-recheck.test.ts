// Apply trusts only the build: the pure re-check of a stored proposal against the compiled
// capability. Each edit an attacker with write access to the ledger could make (and re-hash)
// is named in the refusal; an untouched proposal passes.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { recheckProposal } from "../../operator/apply/recheck.ts";
import type { Decision, EvidenceBundle, ProposalVerification, StoredProposal } from "../../runtime/ledger/records.ts";
import type { ColumnInfo } from "../../compiler/inspect/snapshot.ts";
import { INVOICES, column, planCase, table, waiver } from "../support/plan-fixtures.ts";

function compiled(engine: "postgres" | "mysql" = "postgres", edit: (cap: Record<string, any>) => void = () => {}, extraColumns: ColumnInfo[] = []): CapabilityPlan {
  const cap = waiver();
  edit(cap);
  const invoices = table("public", "invoices", INVOICES.primary_key, [...INVOICES.columns, ...extraColumns]);
  const planned = planCase({ engine, capability: cap, tables: [invoices] });
  assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
  return planned.capability;
}

// The re-check runs after the keyed MACs verified; it never looks at them itself.
const VERIFIED: ProposalVerification = { verified: true, keyId: "k_test", problem: null, message: null, seals: { record: "verified", state: "verified" } };

const before = { id: "INV-3001", late_fee_cents: 2500, status: "overdue", waiver_reason: null, updated_at: "2026-05-16T09:30:00.123456Z" };
const patch = { late_fee_cents: 0, waiver_reason: "outage T-1001", status: "open" };

/** A proposal exactly as the compiled server stores it for tenant_acme. */
function proposal(capability: CapabilityPlan): StoredProposal {
  return {
    id: "wrp_1",
    capability: "billing.propose_late_fee_waiver",
    tenantId: "tenant_acme",
    principal: "agent-7",
    source: "app",
    target: { ...(capability.target.schema ? { schema: capability.target.schema } : {}), table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { ...before },
    patch: { ...patch },
    after: { ...before, ...patch },
    guards: {
      tenant: { column: "tenant_id", value: "tenant_acme" },
      conflict: { column: "updated_at", expected: before.updated_at },
      transitions: [{ column: "status", from: ["overdue"], to: ["open"] }],
    },
    args: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "outage T-1001" },
    evidenceId: "ev_1",
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "writer", type: "sql_update" },
    planHash: capability.planHash,
    hash: "h",
    state: "approved",
    createdAt: "2026-05-16T10:00:00Z",
    verification: VERIFIED,
  };
}

const approval: Decision = {
  id: "apr_1",
  proposalId: "wrp_1",
  decision: "approved",
  actor: "dana",
  role: "billing_lead",
  establishedBy: "self_declared",
  reason: null,
  proposalHash: "h",
  beforeHash: null,
  createdAt: "2026-05-16T10:05:00Z",
  verification: VERIFIED,
};

const evidence: EvidenceBundle = {
  id: "ev_1",
  capability: "billing.propose_late_fee_waiver",
  tenantId: "tenant_acme",
  principal: "agent-7",
  table: "public.invoices",
  objectIds: ["INV-3001"],
  // The proposal call records the same arguments and the row it read (see runtime/calls/proposal.ts).
  args: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "outage T-1001" },
  rows: [before],
  queryAuditId: "qa_1",
  createdAt: "2026-05-16T10:00:00Z",
};

function differences(edit: (p: StoredProposal) => void, options: { capability?: CapabilityPlan; approval?: Decision; evidence?: EvidenceBundle | undefined } = {}): string[] {
  const capability = options.capability ?? compiled();
  const p = proposal(capability);
  edit(p);
  return recheckProposal({ proposal: p, approval: options.approval ?? approval, evidence: "evidence" in options ? options.evidence : evidence, capability });
}

function refused(edit: (p: StoredProposal) => void, pattern: RegExp, options: Parameters<typeof differences>[1] = {}): void {
  const found = differences(edit, options);
  assert.ok(found.some((d) => pattern.test(d)), `expected a difference matching ${pattern}, got ${JSON.stringify(found)}`);
}

describe("re-checking a stored proposal against the compiled capability", () => {
  test("an untouched proposal matches, on both engines", () => {
    assert.deepEqual(differences(() => {}), []);
    const mysql = compiled("mysql");
    assert.deepEqual(recheckProposal({ proposal: proposal(mysql), approval, evidence, capability: mysql }), []);
  });

  test("another tenant: the tenant value, the tenant guard, the evidence's tenant", () => {
    refused((p) => void (p.guards.tenant.value = "tenant_globex"), /tenant guard "tenant_globex" is not the proposal's tenant "tenant_acme"/);
    refused(
      (p) => {
        p.tenantId = "tenant_globex";
        p.guards.tenant.value = "tenant_globex";
      },
      /evidence was read in tenant "tenant_acme", not "tenant_globex"/,
    );
    refused(
      (p) => {
        p.tenantId = "tenant_globex";
        p.guards.tenant.value = "tenant_globex";
        (p.before as Record<string, unknown>).tenant_id = "tenant_acme";
      },
      /before row's tenant_id is not the proposal's tenant/,
    );
  });

  test("another row: the row id must be the id argument, the before and after rows' key and the evidence's row", () => {
    refused((p) => void (p.target.primaryKey.value = "INV-4001"), /row id "INV-4001" is not the id argument "INV-3001"/);
    refused((p) => void (p.target.primaryKey.value = "INV-4001"), /before row's id is not the row id "INV-4001"/);
    refused(
      (p) => {
        p.target.primaryKey.value = "INV-4001";
        p.args.invoice_id = "INV-4001";
        p.before.id = "INV-4001";
        p.after.id = "INV-4001";
      },
      /evidence does not cover row "INV-4001"/,
    );
    refused(() => {}, /evidence bundle "ev_1" is missing/, { evidence: undefined });
  });

  test("another table, key column, tenant column or source", () => {
    refused((p) => void (p.target.table = "customers"), /target table is "public.customers", the build's is "public.invoices"/);
    refused((p) => void (p.target.schema = "billing"), /target table is "billing.invoices"/);
    refused((p) => void (p.target.primaryKey.column = "customer_id"), /primary key column is "customer_id", the build's is "id"/);
    refused((p) => void (p.guards.tenant.column = "customer_id"), /tenant column is "customer_id", the build's is "tenant_id"/);
    refused((p) => void (p.source = "other_db"), /source is "other_db"/);
  });

  test("the patch: exactly the planned columns, fixed values as built, argument values within their limits and the bounds", () => {
    refused((p) => void (p.patch.internal_notes = "x"), /patch changes internal_notes, which the build does not plan/);
    refused((p) => void delete p.patch.waiver_reason, /patch lacks waiver_reason/);
    refused((p) => void (p.patch.status = "paid"), /value of status is "paid", the build's is "open"/);
    refused(
      (p) => {
        p.patch.late_fee_cents = 99999;
        p.args.new_late_fee_cents = 99999;
        p.after.late_fee_cents = 99999;
      },
      /late_fee_cents 99999 is above the numeric bound 10000/,
    );
    refused((p) => void (p.patch.late_fee_cents = 100), /value of late_fee_cents is not the argument new_late_fee_cents/);
    refused(
      (p) => {
        p.patch.late_fee_cents = -5;
        p.args.new_late_fee_cents = -5;
        p.after.late_fee_cents = -5;
      },
      /-5 is refused by the build.s check of argument new_late_fee_cents: Argument .new_late_fee_cents. must be >= 0/,
    );
    refused(
      (p) => {
        p.patch.late_fee_cents = 1.5;
        p.args.new_late_fee_cents = 1.5;
        p.after.late_fee_cents = 1.5;
      },
      /1\.5 is refused by the build.s check of argument new_late_fee_cents: Argument .new_late_fee_cents. must be of type integer/,
    );
    refused(
      (p) => {
        const long = "x".repeat(501);
        p.patch.waiver_reason = long;
        p.args.reason = long;
        p.after.waiver_reason = long;
      },
      /argument reason: Argument .reason. is too long \(at most 500 characters\)/,
    );
    refused((p) => void (p.after.late_fee_cents = 2500), /after row's late_fee_cents is not the before row with the patch applied/);
  });

  test("a bigint patch value that arrived as digit text past 2^53 is accepted exactly and bounded exactly", () => {
    const invoices = table("public", "invoices", INVOICES.primary_key, INVOICES.columns.map((c) => (c.name === "late_fee_cents" ? column(c.name, "bigint") : c)));
    const cap = waiver();
    cap.numeric_bounds.late_fee_cents = { minimum: 0, maximum: 9007199254740994 };
    const planned = planCase({ engine: "postgres", capability: cap, tables: [invoices] });
    assert.ok(planned.ok);
    const withFee = (fee: string) => (p: StoredProposal) => {
      p.patch.late_fee_cents = fee;
      p.args.new_late_fee_cents = fee;
      p.after.late_fee_cents = fee;
    };
    const evidenceWith = (fee: string) => ({ ...evidence, args: { ...evidence.args, new_late_fee_cents: fee } });
    assert.deepEqual(differences(withFee("9007199254740993"), { capability: planned.capability, evidence: evidenceWith("9007199254740993") }), []);
    refused(withFee("9007199254740995"), /9007199254740995 is above the numeric bound 9007199254740994/, { capability: planned.capability, evidence: evidenceWith("9007199254740995") });
    refused(withFee("1e3"), /"1e3" is refused by the build.s check of argument new_late_fee_cents: Argument .new_late_fee_cents. must be a whole number/, { capability: planned.capability, evidence: evidenceWith("1e3") });
  });

  test("a number written as text is re-checked as the runtime checks it: the argument's own bounds, the canonical form, the column's range", () => {
    const withFee = (fee: string) => (p: StoredProposal) => {
      p.patch.late_fee_cents = fee;
      p.args.new_late_fee_cents = fee;
      p.after.late_fee_cents = fee;
    };
    const evidenceWith = (fee: string) => ({ ...evidence, args: { ...evidence.args, new_late_fee_cents: fee } });
    const caseFor = (dataType: string, arg: Record<string, unknown>) => {
      const invoices = table("public", "invoices", INVOICES.primary_key, INVOICES.columns.map((c) => (c.name === "late_fee_cents" ? column(c.name, dataType) : c)));
      const cap = waiver();
      cap.args.new_late_fee_cents = JSON.parse(JSON.stringify({ ...cap.args.new_late_fee_cents, ...arg })) as typeof cap.args.new_late_fee_cents;
      delete cap.numeric_bounds.late_fee_cents;
      const planned = planCase({ engine: "postgres", capability: cap, tables: [invoices] });
      assert.ok(planned.ok, JSON.stringify(planned));
      return planned.capability;
    };
    const decimal = caseFor("numeric(4,2)", { type: "string", minimum: undefined });
    assert.deepEqual(differences(withFee("9.5"), { capability: decimal, evidence: evidenceWith("9.5") }), []);
    for (const fee of ["123.45", "01.50", "1e1", "9.555"]) {
      refused(withFee(fee), /late_fee_cents .*new_late_fee_cents.*decimal number/, { capability: decimal, evidence: evidenceWith(fee) });
    }
    const small = caseFor("bigint", { maximum: 10 });
    refused(withFee("12"), /late_fee_cents "12" is refused by the build's check of argument new_late_fee_cents/, { capability: small, evidence: evidenceWith("12") });
    const bigint = caseFor("bigint", {});
    refused(withFee("9223372036854775808"), /late_fee_cents .*new_late_fee_cents.*9223372036854775807/, { capability: bigint, evidence: evidenceWith("9223372036854775808") });
  });

  test("the guards: transitions as built, proposed states within `to`, the planned version column", () => {
    refused((p) => void delete p.guards.transitions, /list of transition guards is \[\], the build's is/);
    refused((p) => void (p.guards.transitions![0]!.from = ["overdue", "paid"]), /list of transition guards is/);
    refused((p) => void delete p.guards.conflict, /expected-version column is null, the build's is "updated_at"/);
    refused((p) => void (p.guards.conflict = { column: "waiver_reason", expected: null }), /expected-version column is "waiver_reason"/);
    refused((p) => void (p.guards.conflict!.expected = "2030-01-01T00:00:00Z"), /expected version is not the version of the before row/);
    const wider = compiled("postgres", (cap) => (cap.transition_guards.status.to = ["open", "void"]));
    refused(
      (p) => {
        p.guards.transitions![0]!.to = ["open", "void"];
        p.patch.status = "void";
        p.after.status = "void";
      },
      /value of status is "void", the build's is "open"/,
      { capability: wider },
    );
  });

  test("read-only preconditions: carried exactly as built, and met by the before row", () => {
    const gated = compiled("postgres", (cap) => (cap.preconditions = { customer_id: { one_of: ["C-101", "C-102"] } }), [column("customer_id", "text")]);
    const withPrecondition = (p: StoredProposal) => {
      p.before.customer_id = "C-101";
      p.after.customer_id = "C-101";
      p.guards.preconditions = [{ column: "customer_id", oneOf: ["C-101", "C-102"] }];
    };
    const gatedEvidence = { ...evidence, rows: [{ ...before, customer_id: "C-101" }] };
    const check = (edit: (p: StoredProposal) => void) => differences((p) => (withPrecondition(p), edit(p)), { capability: gated, evidence: gatedEvidence });
    assert.deepEqual(check(() => {}), []);
    assert.ok(check((p) => void delete p.guards.preconditions).some((d) => /list of preconditions is \[\], the build's is/.test(d)));
    assert.ok(check((p) => void (p.guards.preconditions![0]!.oneOf = ["C-101", "C-999"])).some((d) => /list of preconditions is/.test(d)));
    const unmet = check((p) => {
      p.before.customer_id = "C-103";
      p.after.customer_id = "C-103";
    });
    assert.ok(unmet.some((d) => /before row's customer_id "C-103" is not one its precondition allows/.test(d)), JSON.stringify(unmet));
    // A capability without preconditions refuses a proposal that claims some.
    refused((p) => void (p.guards.preconditions = [{ column: "status", oneOf: ["overdue"] }]), /list of preconditions is \[\{/);
  });

  test("the evidence: the proposal's arguments and before row are the ones its evidence recorded", () => {
    // Arguments and patch changed together, within every limit: only the evidence tells.
    refused(
      (p) => {
        p.args.new_late_fee_cents = 500;
        p.patch.late_fee_cents = 500;
        p.after.late_fee_cents = 500;
      },
      /its arguments \{.*"new_late_fee_cents":500.*\} are not those its evidence was read with \{.*"new_late_fee_cents":0/,
    );
    refused((p) => void (p.args.extra = "x"), /its arguments .* are not those its evidence was read with/);
    // Another before row, kept consistent with the after row and the expected version.
    refused(
      (p) => {
        p.before.late_fee_cents = 9999;
        p.after = { ...p.before, ...p.patch };
      },
      /the before row is not the row its evidence read/,
    );
    refused(() => {}, /the before row is not the row its evidence read/, { evidence: { ...evidence, rows: [before, before] } });
    refused(() => {}, /the before row is not the row its evidence read/, { evidence: { ...evidence, rows: [] } });
  });

  test("the version: the before row carries the planned version column and the expected version is its value", () => {
    const dropped = differences((p) => {
      delete p.before.updated_at;
      delete p.after.updated_at;
      p.guards.conflict!.expected = "2030-01-01T00:00:00Z";
    });
    assert.ok(dropped.includes("the before row lacks the version column updated_at"), JSON.stringify(dropped));
    // Even with evidence edited to match, the missing version column alone refuses.
    const { updated_at: _version, ...withoutVersion } = before;
    const alone = differences(
      (p) => {
        p.before = { ...withoutVersion };
        p.after = { ...withoutVersion, ...p.patch };
        p.guards.conflict!.expected = "2030-01-01T00:00:00Z";
      },
      { evidence: { ...evidence, rows: [withoutVersion] } },
    );
    assert.deepEqual(alone, ["the before row lacks the version column updated_at"]);
  });

  test("who approved and who writes: the required role and the executor", () => {
    refused((p) => void (p.approval = { mode: "human" }), /required approval role is null, the build's is "billing_lead"/);
    refused(() => {}, /approval's role null is not the required "billing_lead"/, { approval: { ...approval, role: null } });
    refused((p) => void (p.executor = { name: "billing_api", type: "http_handler" }), /executor is "billing_api \(http_handler\)", the build's is "writer \(sql_update\)"/);
  });

  test("the deadlines: the review deadline and the approval window the proposal carries are the build's", () => {
    refused((p) => void (p.approval = { ...p.approval, validFor: "365d" }), /approval window \(approval.valid_for\) is "365d", the build's is null/);
    refused((p) => void (p.approval = { ...p.approval, expiresAfter: "7d", expiresAt: "2026-05-23T10:00:00.000Z" }), /review deadline \(approval.expires_after\) is "7d", the build's is null/);
  });

  test("ledger text in a refusal is escaped for the terminal", () => {
    const found = differences((p) => void (p.patch["evil\u202Ecol\u0007"] = "x"));
    const line = found.find((d) => d.includes("patch changes"))!;
    assert.ok(line.includes("\\u202e") && line.includes("\\u0007"), line);
    assert.ok(!/[\u202E\u0007]/.test(line));
  });

  test("names from the build are escaped in refusals too", () => {
    const odd = 'late\nfee\u202e';
    const capability = compiled("postgres", (cap) => {
      cap.patch = { [odd]: { from_arg: "new_late_fee_cents" }, waiver_reason: { from_arg: "reason" } };
      cap.allowed_columns = [odd, "waiver_reason"];
      delete cap.numeric_bounds;
      delete cap.transition_guards;
      cap.visible_columns = ["id", odd, "waiver_reason", "updated_at"];
    }, [column(odd, "integer")]);
    const p = proposal(capability);
    p.patch = { waiver_reason: "outage T-1001" };
    p.after = { ...p.before, ...p.patch };
    const found = recheckProposal({ proposal: p, approval, evidence, capability });
    const line = found.find((d) => d.includes("patch lacks"))!;
    assert.equal(line, 'the patch lacks "late\\nfee\\u202e", which the build plans');
  });
});

describe("re-checking a proposal whose patch an optional argument feeds", () => {
  const optional = () => compiled("postgres", (cap) => void (cap.args.reason.required = false));
  /** The proposal the server stores when `reason` was left out: no waiver_reason in args, patch or evidence. */
  const leftOut = (p: StoredProposal) => {
    delete p.args.reason;
    delete p.patch.waiver_reason;
    p.after.waiver_reason = p.before.waiver_reason ?? null;
  };
  const evidenceWithout: EvidenceBundle = { ...evidence, args: { invoice_id: "INV-3001", new_late_fee_cents: 0 } };

  test("left out: the column is absent from the patch and the after row keeps the before value; it matches", () => {
    assert.deepEqual(differences(leftOut, { capability: optional(), evidence: evidenceWithout }), []);
    // Given, as before: it matches too.
    assert.deepEqual(differences(() => {}, { capability: optional() }), []);
  });

  test("a required argument's column may not be missing, even when its argument is", () => {
    refused(leftOut, /the patch lacks waiver_reason, which the build plans/, { evidence: evidenceWithout });
  });

  test("the column is missing although its argument was given: refused", () => {
    refused((p) => void delete p.patch.waiver_reason, /the patch lacks waiver_reason/, { capability: optional() });
  });

  test("the column is set although its argument was left out (e.g. a null smuggled in): refused", () => {
    refused(
      (p) => {
        leftOut(p);
        p.patch.waiver_reason = null;
        p.after.waiver_reason = null;
      },
      /the patch sets waiver_reason, but the proposal was made without its argument reason/,
      { capability: optional(), evidence: evidenceWithout },
    );
  });

  test("a patch with no column at all is never applied", () => {
    const allOptional = compiled("postgres", (cap) => {
      cap.args.reason.required = false;
      cap.args.new_late_fee_cents.required = false;
      cap.patch = { late_fee_cents: { from_arg: "new_late_fee_cents" }, waiver_reason: { from_arg: "reason" } };
      cap.allowed_columns = ["late_fee_cents", "waiver_reason"];
      delete cap.transition_guards;
    });
    const bare = { ...evidence, args: { invoice_id: "INV-3001" } };
    refused(
      (p) => {
        p.args = { invoice_id: "INV-3001" };
        p.patch = {};
        p.after = { ...p.before };
        delete p.guards.transitions;
      },
      /the patch changes no column/,
      { capability: allOptional, evidence: bare },
    );
  });
});
