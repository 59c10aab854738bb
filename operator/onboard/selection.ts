// The onboarding selection: everything a person decides about one table and its capabilities,
// in one plain object. `init` flags, `init --spec FILE`, the `--wizard`, `start` and `recipes`
// all produce one, and one generator (generate.ts) turns it, with the inspected schema, into
// synapsor.runner.json. schemas/onboarding-selection.v1.schema.json describes it for files.
//
// A selection holds names of environment variables, never their values: no URL, password or
// token can reach the files init writes.

import type { Engine, Mode, Scalar } from "../../compiler/config/contract.ts";

export type WritebackChoice =
  | { type: "sql_update" }
  | { type: "http_handler"; url_env: string; token_env?: string }
  | { type: "command_handler"; command_env: string };

/** How one patched column gets its value: a constant, or an argument the model passes. */
export type PatchChoice = { fixed: Scalar } | { from_arg: string };

export interface ListToolChoice {
  /** Canonical tool name, e.g. "clinic.list_appointments"; derived from the namespace and table when absent. */
  name?: string;
  /** Columns the model filters on by equality; each becomes a required argument of the same name. */
  filters: string[];
  order_by?: Array<{ column: string; direction: "asc" | "desc" }>;
  max_rows?: number;
}

export interface OnboardingSelection {
  version: 1;
  engine: Engine;
  mode: Mode;
  /** Env var holding the read-only source URL. */
  read_url_env: string;
  /** Env var holding the writer URL (direct sql_update writeback only). */
  write_url_env?: string;
  schema: string;
  table: string;
  primary_key: string;
  tenant_column: string;
  /** Stale-row guard column (timestamp or integer version). */
  conflict_column?: string;
  /** Tool namespace; derived from the table when absent. */
  namespace?: string;
  /** Singular object name used in tool names; derived from the table when absent. */
  object_name?: string;
  /** Argument carrying the primary key; named after the primary key when absent. */
  id_arg?: string;
  read_tool?: string;
  proposal_tool?: string;
  list_tool?: ListToolChoice;
  /** Columns the model may see; the primary key is always added. */
  visible_columns: string[];
  /** Columns a proposal may change; defaults to the patched columns. */
  allowed_columns?: string[];
  patch?: Record<string, PatchChoice>;
  patch_bounds?: Record<string, { minimum?: number; maximum?: number }>;
  /** Transition guards: the column must hold one of `from`; the proposal sets it to `to`. */
  status_guards?: Record<string, { from: Scalar[]; to: Scalar }>;
  /** Read-only preconditions: the proposal is refused unless the column holds one of these values. */
  preconditions?: Record<string, Scalar[]>;
  writeback?: WritebackChoice;
  approval_role?: string;
  tenant_env: string;
  principal_env: string;
  /** Written into the config as storage.sqlite_path (relative to the config file). */
  store_path?: string;
  /** Written into the config as build.out_dir (relative to the config file). */
  out_dir?: string;
  /** Written into the config as build.schema_snapshot (relative to the config file). */
  schema_snapshot?: string;
}
