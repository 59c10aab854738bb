// One line of the doctor's checklist: what was checked, how it went, which kind of problem it is
// and what to do about it. The shape is the `--json` contract; the category list is fixed.

export const CATEGORIES = [
  "config",
  "environment",
  "connection",
  "authentication",
  "permission",
  "object_not_found",
  "type_mismatch",
  "credentials_shared",
  "read_only_session",
  "store",
  "boundary",
  "handler",
] as const;

export type Category = (typeof CATEGORIES)[number];
export type CheckStatus = "ok" | "warn" | "fail";

/** `fix` is a string whenever the status is not ok, and null when it is (never omitted). */
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  category: Category;
  message: string;
  fix: string | null;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export const passed = (name: string, category: Category, message: string): DoctorCheck => ({ name, status: "ok", category, message, fix: null });
export const warned = (name: string, category: Category, message: string, fix: string): DoctorCheck => ({ name, status: "warn", category, message, fix });
export const failed = (name: string, category: Category, message: string, fix: string): DoctorCheck => ({ name, status: "fail", category, message, fix });

/** A warning never fails the run; one failed check does. */
export function reportOf(checks: DoctorCheck[]): DoctorReport {
  return { ok: checks.every((c) => c.status !== "fail"), checks };
}

/** What each category means, for `--first-run` and the Markdown report (docs/doctor.md says the same at length). */
export const CATEGORY_MEANING: Record<Category, string> = {
  config: "the config file cannot be read or breaks a rule of the contract",
  environment: "an environment variable the config names is not set, or its value does not work here",
  connection: "the database could not be reached (host, port, database name, or the server is down)",
  authentication: "the database refused the login (user name or password)",
  permission: "the login works but lacks a privilege the capabilities need",
  object_not_found: "a table or column the config names is not in the live database",
  type_mismatch: "a column has a different type than the config expects, or a statement does not fit the schema",
  credentials_shared: "the read credential and the write credential are the same login",
  read_only_session: "the read credential can change data, so the read path is not read-only at the database",
  store: "the local ledger file cannot be written",
  boundary: "the compiled tool list would give the model more than read and proposal authority",
  handler: "an app-owned writeback handler is not reachable or not runnable",
};
