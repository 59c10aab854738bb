// Resolve an open or pending support ticket with a written resolution, for a support lead to approve.

import { REFERENCE, STATE, TEXT, type Recipe } from "../recipe.ts";

export const ticketResolution: Recipe = {
  name: "support.ticket_resolution",
  summary: "Mark an open or pending ticket resolved with a written resolution; a support lead approves.",
  table: { role: "ticket", meaning: "one row per support ticket", defaults: ["tickets", "support_tickets", "ticket"] },
  namespace: "support",
  object_name: "ticket",
  id_arg: "ticket_id",
  id_arg_description: "Id of the ticket, e.g. as quoted in the customer's email.",
  columns: [
    {
      role: "status",
      meaning: "the ticket's state; the proposal moves it from open or pending to resolved",
      defaults: ["status", "state"],
      type: STATE,
      values: ["open", "pending", "resolved"],
    },
    { role: "resolution", meaning: "what was done to resolve the ticket", defaults: ["resolution", "resolution_note", "resolution_notes"], type: TEXT },
    { role: "subject", meaning: "the ticket's subject, shown as evidence", defaults: ["subject", "title"], type: TEXT, optional: true },
    { role: "priority", meaning: "the ticket's priority, shown as evidence", defaults: ["priority"], type: STATE, optional: true },
    { role: "customer", meaning: "the customer who opened the ticket", defaults: ["customer_id", "requester_id", "account_id"], type: REFERENCE, optional: true },
  ],
  read_tool: {
    name: "support.inspect_ticket",
    description: "Look up one support ticket of the current tenant in {ticket_table} by its id: subject, priority and state. Call this before proposing a resolution.",
    returns_hint: "One ticket row; {status_column} is its state and {resolution_column} any resolution already written.",
  },
  proposal_tool: {
    name: "support.propose_ticket_resolution",
    description:
      "Propose closing one open or pending ticket as resolved, with the resolution the customer will see. Nothing changes until a support lead approves the proposal outside this conversation.",
    returns_hint:
      "A proposal awaiting review with the before and proposed {status_column} and {resolution_column}. Refused when the ticket is neither open nor pending.",
  },
  patch: [{ role: "resolution", from_arg: "resolution", arg_description: "What was done for the customer, in a sentence or two." }],
  transition_guard: { role: "status", from: ["open", "pending"], to: "resolved" },
  approval_role: "support_lead",
};
