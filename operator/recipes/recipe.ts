// What a recipe is: a reviewed business action written against roles ("the invoice table", "the
// late-fee column") instead of real names. Applying one maps each role onto a table and columns
// of the user's own schema (mapping.ts), checks them against the inspected snapshot, and turns
// the result into an OnboardingSelection (selection.ts) that the one onboarding generator writes.
//
// Text a recipe shows the model (descriptions, hints) may name roles as placeholders such as
// `{invoice_table}` or `{late_fee_column}`; they are filled with the mapped names.

import type { Scalar } from "../../compiler/config/contract.ts";
import type { TypeClass } from "../../compiler/inspect/snapshot.ts";

/** A family of column types a role accepts, with the words used for it in messages. */
export interface TypeExpectation {
  /** e.g. "a whole-number or decimal money column". */
  label: string;
  classes: readonly TypeClass[];
}

export interface ColumnRole {
  /** The key used by `--map ROLE=COLUMN`, e.g. "late_fee"; its placeholder is `{late_fee_column}`. */
  role: string;
  /** What the column holds, for `recipes show`. */
  meaning: string;
  /** Column names tried in order when the role is not mapped; the first is the one documented. */
  defaults: readonly string[];
  type: TypeExpectation;
  /**
   * Values the column must be able to hold (a status column's states). Checked against an enum
   * column's labels; a plain text column cannot be checked and is accepted.
   */
  values?: readonly string[];
  /** An optional role whose column is absent is left out (its patch or visibility with it). */
  optional?: boolean;
}

export interface ToolText {
  /** Canonical tool name, e.g. "billing.propose_late_fee_waiver". */
  name: string;
  description: string;
  returns_hint: string;
}

/** How the proposal sets one role's column: from a model argument, or to a constant. */
export type RecipePatch =
  | { role: string; from_arg: string; arg_description: string }
  | { role: string; fixed: Scalar };

export interface Recipe {
  /** "domain.action", e.g. "billing.late_fee_waiver". */
  name: string;
  /** One line for `recipes list`. */
  summary: string;
  /** The table role, e.g. { role: "invoice", defaults: ["invoices"] }; its placeholder is `{invoice_table}`. */
  table: { role: string; meaning: string; defaults: readonly string[] };
  namespace: string;
  object_name: string;
  /** The argument carrying the row's primary key, e.g. "invoice_id". */
  id_arg: string;
  id_arg_description: string;
  columns: readonly ColumnRole[];
  read_tool: ToolText;
  proposal_tool: ToolText;
  patch: readonly RecipePatch[];
  /** Business limits on numeric patched roles. */
  bounds?: Readonly<Record<string, { minimum?: number; maximum?: number }>>;
  /** The role's column must hold one of `from`; the proposal sets it to `to`. */
  transition_guard?: { role: string; from: readonly string[]; to: string };
  /** Read-only conditions: the proposal is refused unless the role's column holds one of these values. */
  preconditions?: Readonly<Record<string, readonly string[]>>;
  /** Role a reviewer needs to approve the proposal. */
  approval_role: string;
}

/** The placeholder text for a column role, e.g. "{late_fee_column}". */
export function columnPlaceholder(role: string): string {
  return `{${role}_column}`;
}

/** The placeholder text for the table role, e.g. "{invoice_table}". */
export function tablePlaceholder(role: string): string {
  return `{${role}_table}`;
}

export const MONEY: TypeExpectation = { label: "a whole-number or decimal amount column", classes: ["integer", "bigint", "decimal"] };
export const TEXT: TypeExpectation = { label: "a text column", classes: ["string"] };
export const STATE: TypeExpectation = { label: "a text or enum status column", classes: ["string"] };
export const MOMENT: TypeExpectation = { label: "a timestamp or date column", classes: ["timestamp", "date"] };
export const REFERENCE: TypeExpectation = {
  label: "an identifier column (text, integer or uuid)",
  classes: ["string", "integer", "bigint", "uuid"],
};
