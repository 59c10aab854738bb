// Move a trial's end date, only while the account is still on the trial plan, for an account manager to approve.

import { MOMENT, STATE, TEXT, type Recipe } from "../recipe.ts";

export const trialExtension: Recipe = {
  name: "accounts.trial_extension",
  summary: "Extend the trial end date of an account still on its trial plan; an account manager approves.",
  table: { role: "account", meaning: "one row per customer account", defaults: ["accounts", "account", "customers"] },
  namespace: "accounts",
  object_name: "account",
  id_arg: "account_id",
  id_arg_description: "Id of the customer account.",
  columns: [
    { role: "trial_ends", meaning: "when the trial ends", defaults: ["trial_ends_at", "trial_end", "trial_ends_on", "trial_expires_at"], type: MOMENT },
    {
      role: "plan",
      meaning: "the account's plan; the extension is only allowed while it is trial (read, never written)",
      defaults: ["plan", "plan_name", "tier"],
      type: STATE,
      values: ["trial"],
    },
    { role: "name", meaning: "the account's name, shown as evidence", defaults: ["name", "company_name", "display_name"], type: TEXT, optional: true },
  ],
  read_tool: {
    name: "accounts.inspect_account",
    description: "Look up one customer account of the current tenant in {account_table} by its id: its plan and when its trial ends. Call this before proposing an extension.",
    returns_hint: "One account row; {plan_column} is the plan and {trial_ends_column} the end of the trial.",
  },
  proposal_tool: {
    name: "accounts.propose_trial_extension",
    description:
      "Propose a new trial end date for one account that is still on the trial plan. Nothing changes until an account manager approves the proposal outside this conversation.",
    returns_hint: "A proposal awaiting review with the before and proposed {trial_ends_column}. Refused when the account is no longer on the trial plan.",
  },
  patch: [{ role: "trial_ends", from_arg: "new_trial_end", arg_description: "The new end of the trial, as an ISO 8601 date or timestamp." }],
  preconditions: { plan: ["trial"] },
  approval_role: "account_manager",
};
