// Put a paid order up for a refund with an amount and a reason, for a refund approver to review.

import { MONEY, REFERENCE, STATE, TEXT, type Recipe } from "../recipe.ts";

export const refundReview: Recipe = {
  name: "orders.refund_review",
  summary: "Propose a bounded refund on a paid or delivered order and mark it for refund review; a refund approver approves.",
  table: { role: "order", meaning: "one row per customer order", defaults: ["orders", "order"] },
  namespace: "orders",
  object_name: "order",
  id_arg: "order_id",
  id_arg_description: "Id of the order, as on the receipt or in the customer's message.",
  columns: [
    { role: "refund_amount", meaning: "the amount to refund", defaults: ["refund_amount", "refund_cents", "refund_amount_cents"], type: MONEY },
    {
      role: "status",
      meaning: "the order's state; the proposal moves a paid or delivered order to refund_pending",
      defaults: ["status", "state"],
      type: STATE,
      values: ["paid", "delivered", "refund_pending"],
    },
    { role: "refund_reason", meaning: "why the order is refunded", defaults: ["refund_reason", "reason"], type: TEXT, optional: true },
    { role: "total", meaning: "the order total, shown as evidence", defaults: ["total_amount", "total_cents", "total", "amount"], type: MONEY, optional: true },
    { role: "customer", meaning: "the customer who placed the order", defaults: ["customer_id", "account_id"], type: REFERENCE, optional: true },
  ],
  read_tool: {
    name: "orders.inspect_order",
    description:
      "Look up one order of the current tenant in {order_table} by its id: its total, state and any refund already recorded. Call this before proposing a refund.",
    returns_hint: "One order row; {status_column} is the order's state and {refund_amount_column} any refund already proposed.",
  },
  proposal_tool: {
    name: "orders.propose_refund_review",
    description:
      "Propose refunding part or all of one paid or delivered order, with the reason. The order is only marked for refund review; nothing is refunded until a refund approver approves the proposal outside this conversation.",
    returns_hint:
      "A proposal awaiting review with the before and proposed {refund_amount_column} and {status_column}. Refused when the order is not paid or delivered, or the amount is out of bounds.",
  },
  patch: [
    { role: "refund_amount", from_arg: "refund_amount", arg_description: "Amount to refund, in the column's unit, within the bounds shown. The tool checks only those bounds; a reviewer checks it against the order total." },
    { role: "refund_reason", from_arg: "reason", arg_description: "Why the order is refunded, e.g. damaged on arrival per the customer's photo." },
  ],
  bounds: { refund_amount: { minimum: 1, maximum: 100000 } },
  transition_guard: { role: "status", from: ["paid", "delivered"], to: "refund_pending" },
  approval_role: "refund_approver",
};
