// Approve a requested account credit with a bounded amount and a reason, for a finance lead to sign off.

import { MONEY, REFERENCE, STATE, TEXT, type Recipe } from "../recipe.ts";

export const accountCredit: Recipe = {
  name: "credits.account_credit",
  summary: "Set the amount of a requested account credit and mark it approved; a finance lead approves.",
  table: { role: "credit", meaning: "one row per credit requested for a customer account", defaults: ["account_credits", "credits", "credit_requests"] },
  namespace: "credits",
  object_name: "credit",
  id_arg: "credit_id",
  id_arg_description: "Id of the credit request.",
  columns: [
    { role: "amount", meaning: "the credit amount to grant", defaults: ["amount_cents", "amount", "credit_cents", "credit_amount"], type: MONEY },
    {
      role: "status",
      meaning: "the credit's state; the proposal moves it from requested to approved",
      defaults: ["status", "state"],
      type: STATE,
      values: ["requested", "approved"],
    },
    { role: "reason", meaning: "why the credit is granted", defaults: ["reason", "credit_reason", "note"], type: TEXT, optional: true },
    { role: "account", meaning: "the account that receives the credit", defaults: ["account_id", "customer_id"], type: REFERENCE, optional: true },
  ],
  read_tool: {
    name: "credits.inspect_credit",
    description:
      "Look up one credit request of the current tenant in {credit_table} by its id: the account, the amount asked for and its state. Call this before proposing the credit.",
    returns_hint: "One credit row; {amount_column} is the amount and {status_column} the request's state.",
  },
  proposal_tool: {
    name: "credits.propose_account_credit",
    description:
      "Propose granting a requested account credit: the amount to credit and the reason. Nothing is credited until a finance lead approves the proposal outside this conversation.",
    returns_hint:
      "A proposal awaiting review with the before and proposed {amount_column} and {status_column}. Refused when the request is no longer requested or the amount is out of bounds.",
  },
  patch: [
    { role: "amount", from_arg: "credit_amount", arg_description: "Amount to credit, in the column's unit (for example cents)." },
    { role: "reason", from_arg: "reason", arg_description: "Why the account gets this credit, e.g. the incident or ticket it compensates." },
  ],
  bounds: { amount: { minimum: 1, maximum: 50000 } },
  transition_guard: { role: "status", from: ["requested"], to: "approved" },
  approval_role: "finance_lead",
};
