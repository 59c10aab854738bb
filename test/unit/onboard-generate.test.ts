// The onboarding generator: a selection and a schema snapshot become a contract that passes the
// same validation and resolution `build` runs, or problems that name the field and the fix.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateContract } from "../../operator/onboard/generate.ts";
import type { OnboardingSelection } from "../../operator/onboard/selection.ts";
import type { ProposalCapabilityConfig } from "../../compiler/config/contract.ts";
import { clinicSnapshot } from "../support/clinic-schema.ts";

function selection(edit: Partial<OnboardingSelection> = {}): OnboardingSelection {
  return {
    version: 1,
    engine: "postgres",
    mode: "review",
    read_url_env: "CLINIC_READ_URL",
    write_url_env: "CLINIC_WRITE_URL",
    schema: "public",
    table: "appointments",
    primary_key: "id",
    tenant_column: "clinic_id",
    conflict_column: "updated_at",
    visible_columns: ["status", "scheduled_at", "cancel_reason"],
    patch: { cancel_reason: { from_arg: "reason" }, duration_minutes: { fixed: "15" } },
    patch_bounds: { duration_minutes: { minimum: 5, maximum: 120 } },
    status_guards: { status: { from: ["scheduled", "checked_in"], to: "cancelled" } },
    tenant_env: "CLINIC_ID",
    principal_env: "CLINIC_STAFF",
    ...edit,
  };
}

function problemsOf(edit: Partial<OnboardingSelection>) {
  const result = generateContract(selection(edit), clinicSnapshot());
  assert.equal(result.ok, false, "expected problems");
  return result.ok ? [] : result.problems;
}

describe("generateContract", () => {
  test("a review selection becomes a read and a proposal with derived names, typed args and guards", () => {
    const result = generateContract(selection(), clinicSnapshot());
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    const { contract } = result;
    assert.deepEqual(
      contract.capabilities.map((c) => c.name),
      ["appointments.inspect_appointment", "appointments.propose_appointment_update"],
    );
    const [read, proposal] = contract.capabilities as [any, ProposalCapabilityConfig];
    assert.deepEqual(read.visible_columns, ["id", "status", "scheduled_at", "cancel_reason"], "the primary key is always visible");
    assert.deepEqual(read.lookup, { id_from_arg: "id" }, "the id argument is named after the primary key");
    assert.deepEqual(proposal.patch, { cancel_reason: { from_arg: "reason" }, duration_minutes: { fixed: 15 }, status: { fixed: "cancelled" } });
    assert.deepEqual(proposal.allowed_columns, ["cancel_reason", "duration_minutes", "status"]);
    assert.deepEqual(proposal.transition_guards, { status: { from: ["scheduled", "checked_in"], to: ["cancelled"] } });
    assert.equal(proposal.args!.reason!.max_length, 200, "string length from the column");
    assert.deepEqual(proposal.numeric_bounds, { duration_minutes: { minimum: 5, maximum: 120 } });
    assert.deepEqual(proposal.conflict_guard, { column: "updated_at" });
    assert.equal(proposal.executor, "direct_sql");
    assert.deepEqual(contract.executors, { direct_sql: { type: "sql_update" } });
    assert.deepEqual(contract.sources.app_db, { engine: "postgres", read_url_env: "CLINIC_READ_URL", write_url_env: "CLINIC_WRITE_URL" });
    assert.deepEqual(contract.trusted_context, { provider: "environment", values: { tenant_id_env: "CLINIC_ID", principal_env: "CLINIC_STAFF" } });
    assert.ok(contract.storage?.sqlite_path && contract.build?.out_dir);
    assert.match(proposal.description!, /scheduled' or 'checked_in/);
    assert.ok(result.notes.some((n) => n.includes("namespace")));
  });

  test("an argument patching an integer column gets the bounds; an enum column gets its labels", () => {
    const result = generateContract(
      selection({ patch: { duration_minutes: { from_arg: "minutes" }, status: { from_arg: "new_status" } }, status_guards: {} }),
      clinicSnapshot(),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    const proposal = result.contract.capabilities[1] as ProposalCapabilityConfig;
    assert.deepEqual(proposal.args!.minutes, { type: "integer", required: true, description: "The new value of duration_minutes.", minimum: 5, maximum: 120 });
    assert.deepEqual(proposal.args!.new_status!.enum, ["scheduled", "checked_in", "completed", "cancelled", "no_show"]);
  });

  test("a timestamp column is patched through a string argument", () => {
    const result = generateContract(selection({ patch: { scheduled_at: { from_arg: "new_time" } }, patch_bounds: {}, status_guards: {} }), clinicSnapshot());
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.equal((result.contract.capabilities[1] as ProposalCapabilityConfig).args!.new_time!.type, "string");
  });

  test("http_handler writeback declares the executor with the bearer token variable and no write URL", () => {
    const result = generateContract(
      selection({ write_url_env: undefined, writeback: { type: "http_handler", url_env: "APP_HANDLER_URL", token_env: "APP_HANDLER_TOKEN" } }),
      clinicSnapshot(),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.deepEqual(result.contract.executors, {
      app_http_handler: { type: "http_handler", url_env: "APP_HANDLER_URL", auth: { type: "bearer_env", token_env: "APP_HANDLER_TOKEN" } },
    });
    assert.equal(result.contract.sources.app_db!.write_url_env, undefined);
  });

  test("a list tool filters by typed required arguments, ordered and capped", () => {
    const result = generateContract(
      selection({ mode: "read_only", patch: undefined, status_guards: undefined, patch_bounds: undefined, list_tool: { filters: ["patient_id"], order_by: [{ column: "scheduled_at", direction: "desc" }], max_rows: 10 } }),
      clinicSnapshot(),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    const list = result.contract.capabilities[1]!;
    assert.equal(list.name, "appointments.list_appointments");
    assert.deepEqual(list.lookup, { filters: [{ column: "patient_id", from_arg: "patient_id" }], order_by: [{ column: "scheduled_at", direction: "desc" }] });
    assert.equal(list.max_rows, 10);
    assert.equal(list.args!.patient_id!.required, true);
    assert.equal(result.contract.executors, undefined);
  });

  test("preconditions become one_of lists checked against the column's labels", () => {
    const result = generateContract(selection({ status_guards: undefined, preconditions: { status: ["scheduled", "checked_in"] } }), clinicSnapshot());
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    const proposal = result.contract.capabilities[1] as ProposalCapabilityConfig;
    assert.deepEqual(proposal.preconditions, { status: { one_of: ["scheduled", "checked_in"] } });
    assert.ok(!proposal.allowed_columns.includes("status"), "a precondition needs no write access to its column");
    assert.match(proposal.description!, /Only allowed while status is 'scheduled' or 'checked_in'/);

    const unknownLabel = problemsOf({ status_guards: undefined, preconditions: { status: ["booked"] } });
    assert.equal(unknownLabel[0]!.field, "preconditions.status");
    const handler = problemsOf({ status_guards: undefined, preconditions: { status: ["scheduled"] }, writeback: { type: "command_handler", command_env: "APP_CMD" } });
    assert.equal(handler[0]!.field, "preconditions");
  });

  test("review mode without a patch is refused with the fix", () => {
    const problems = problemsOf({ patch: undefined, status_guards: undefined, patch_bounds: undefined });
    assert.equal(problems[0]!.field, "patch");
    assert.match(problems[0]!.fix, /--patch/);
    assert.match(problems[0]!.fix, /read_only/);
  });

  test("a patch in read_only mode is refused rather than dropped", () => {
    const problems = problemsOf({ mode: "read_only" });
    assert.deepEqual(problems.map((p) => p.field), ["mode"]);
  });

  test("a misspelt column is refused with the closest real name", () => {
    const problems = problemsOf({ visible_columns: ["statsu"] });
    assert.deepEqual(problems.map((p) => [p.field, p.fix]), [["visible_columns.0", "Did you mean 'status'?"]]);
  });

  test("a misspelt table is refused with the closest real name", () => {
    const problems = problemsOf({ table: "appointment" });
    assert.equal(problems[0]!.fix, "Did you mean 'appointments'?");
  });

  test("the conflict column must be a timestamp or an integer", () => {
    const problems = problemsOf({ conflict_column: "cancel_reason" });
    assert.equal(problems[0]!.field, "conflict_column");
  });

  test("a patch argument named like the defaulted id argument is refused rather than replacing it", () => {
    const problems = problemsOf({ patch: { cancel_reason: { from_arg: "id" } }, patch_bounds: {}, id_arg: undefined });
    assert.ok(problems.some((p) => p.field === "patch.cancel_reason" && p.message.includes("row id")), JSON.stringify(problems));
  });

  test("two list filters that make the same argument name are refused rather than sharing it", () => {
    const snapshot = clinicSnapshot();
    const table = snapshot.tables.find((t) => t.name === "appointments")!;
    const patient = table.columns.find((c) => c.name === "patient_id")!;
    table.columns.push({ ...patient, name: "Patient ID" });
    const result = generateContract(
      selection({ mode: "read_only", patch: undefined, status_guards: undefined, patch_bounds: undefined, list_tool: { filters: ["patient_id", "Patient ID"] } }),
      snapshot,
    );
    assert.ok(!result.ok);
    assert.ok(result.problems.some((p) => p.field === "list_tool.filters.1" && p.message.includes("'patient_id'")), JSON.stringify(result.problems));
  });

  test("a fixed timestamp in words is refused with the form the column takes", () => {
    const problems = problemsOf({ patch: { scheduled_at: { fixed: "next tuesday" } }, patch_bounds: {} });
    const problem = problems.find((p) => p.field === "patch.scheduled_at");
    assert.ok(problem && problem.message.includes("ISO 8601 timestamp"), JSON.stringify(problems));
  });

  test("the primary key, tenant column and conflict column cannot be patched", () => {
    const problems = problemsOf({ patch: { clinic_id: { fixed: "x" }, id: { fixed: "y" }, updated_at: { from_arg: "when" } }, patch_bounds: {} });
    assert.deepEqual(problems.map((p) => p.field).sort(), ["patch.clinic_id", "patch.id", "patch.updated_at"]);
  });

  test("guard values and fixed values are checked against the column's enum labels and type", () => {
    const problems = problemsOf({ status_guards: { status: { from: ["booked"], to: "cancelled" } }, patch: { duration_minutes: { fixed: "half an hour" } } });
    assert.ok(problems.some((p) => p.field === "status_guards.status" && p.message.includes("booked")));
    assert.ok(problems.some((p) => p.field === "patch.duration_minutes"));
  });

  test("bounds on a text column, reversed bounds, and a fixed value outside its bounds are refused", () => {
    const problems = problemsOf({ patch_bounds: { cancel_reason: { minimum: 0, maximum: 1 }, duration_minutes: { minimum: 20, maximum: 10 } } });
    assert.deepEqual(problems.map((p) => p.field).sort(), ["patch_bounds.cancel_reason", "patch_bounds.duration_minutes", "patch_bounds.duration_minutes"]);
  });

  test("an env var value where a name belongs is refused without repeating it", () => {
    const secret = "postgres://user:hunter2@db.example/clinic";
    const problems = problemsOf({ read_url_env: secret });
    assert.equal(problems[0]!.field, "read_url_env");
    assert.ok(!JSON.stringify(problems).includes("hunter2"));
  });

  test("sql_update writeback without a write URL variable is refused with the alternatives", () => {
    const problems = problemsOf({ write_url_env: undefined });
    assert.equal(problems[0]!.field, "write_url_env");
    assert.match(problems[0]!.fix, /--write-url-env/);
  });

  test("explicit allowed columns must include every patched column", () => {
    const problems = problemsOf({ allowed_columns: ["cancel_reason"] });
    assert.equal(problems[0]!.field, "allowed_columns");
    assert.match(problems[0]!.message, /duration_minutes, status/);
  });
});
