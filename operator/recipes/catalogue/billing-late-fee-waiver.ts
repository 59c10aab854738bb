// Waive or lower the late fee on an overdue invoice and reopen it, with a reason, for a billing lead to approve.

import { MOMENT, MONEY, REFERENCE, STATE, TEXT, type Recipe } from "../recipe.ts";

export const lateFeeWaiver: Recipe = {
  name: "billing.late_fee_waiver",
  summary: "Lower or waive the late fee on an overdue invoice and reopen it; a billing lead approves.",
  table: { role: "invoice", meaning: "one row per invoice", defaults: ["invoices", "invoice"] },
  namespace: "billing",
  object_name: "invoice",
  id_arg: "invoice_id",
  id_arg_description: "Id of the invoice as the customer or the ticket quotes it.",
  columns: [
    { role: "late_fee", meaning: "the late fee currently charged", defaults: ["late_fee_cents", "late_fee", "late_fee_amount"], type: MONEY },
    {
      role: "status",
      meaning: "the invoice's state; the waiver moves it from overdue to open",
      defaults: ["status", "state"],
      type: STATE,
      values: ["overdue", "open"],
    },
    {
      role: "waiver_reason",
      meaning: "why the fee was waived, for the audit trail",
      defaults: ["waiver_reason", "late_fee_waiver_reason"],
      type: TEXT,
      optional: true,
    },
    { role: "amount", meaning: "the invoice total, shown as evidence", defaults: ["amount_cents", "amount", "total_cents", "total"], type: MONEY, optional: true },
    { role: "customer", meaning: "the customer the invoice belongs to", defaults: ["customer_id", "account_id"], type: REFERENCE, optional: true },
    { role: "due", meaning: "when the invoice was due", defaults: ["due_at", "due_date", "due_on"], type: MOMENT, optional: true },
  ],
  read_tool: {
    name: "billing.inspect_invoice",
    description:
      "Look up one invoice of the current account in {invoice_table} by its id: its late fee, status and the evidence around it. Call this before proposing a waiver so the proposal starts from the invoice as it is now.",
    returns_hint: "One invoice row; {late_fee_column} is the late fee currently charged and {status_column} the invoice's state.",
  },
  proposal_tool: {
    name: "billing.propose_late_fee_waiver",
    description:
      "Propose a new late fee for one overdue invoice (0 waives it; meant to lower it, which the reviewer checks) and reopen the invoice. Nothing changes until a billing lead approves the proposal outside this conversation.",
    returns_hint:
      "A proposal awaiting review, with the before and proposed values of {late_fee_column} and {status_column}. Refused when the invoice is not overdue or the new fee is out of bounds.",
  },
  patch: [
    { role: "late_fee", from_arg: "new_late_fee", arg_description: "The late fee after the waiver, within the bounds shown; 0 waives it completely. Only the bounds are checked by the tool: a reviewer checks it is lower than the current fee." },
    { role: "waiver_reason", from_arg: "reason", arg_description: "Business reason a reviewer can check, e.g. the ticket and the outage it refers to." },
  ],
  bounds: { late_fee: { minimum: 0, maximum: 10000 } },
  transition_guard: { role: "status", from: ["overdue"], to: "open" },
  approval_role: "billing_lead",
};
