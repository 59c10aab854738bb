// init's flag grammars and defaults, the env-name guard, the spec schema and --append's merge:
// pure functions, no database.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseBounds, parseOrderBy, parsePatch, parsePreconditions, parseStatusGuards, selectionFromFlags, splitList } from "../../operator/onboard/flags.ts";
import { isEnvName, looksLikeSecretValue } from "../../runtime/env-name.ts";
import { parseSelection } from "../../operator/onboard/spec.ts";
import { appendContract } from "../../operator/onboard/append.ts";
import { generateContract } from "../../operator/onboard/generate.ts";
import { applyEnvExampleText, contractVariables, envExampleText, extendEnvExample } from "../../operator/onboard/env-example.ts";
import { clientSnippet } from "../../operator/onboard/client-snippets.ts";
import { typedValue } from "../../operator/onboard/column-args.ts";
import type { ColumnInfo } from "../../compiler/inspect/snapshot.ts";
import { clinicSnapshot } from "../support/clinic-schema.ts";

function collect() {
  const problems: Array<{ flag: string; message: string }> = [];
  return { problems, report: (flag: string, message: string) => problems.push({ flag, message }) };
}

describe("flag grammars", () => {
  test("--patch keeps fixed values as text (typed later from the column) and trims argument names", () => {
    const { problems, report } = collect();
    assert.deepEqual(parsePatch("status=fixed:cancelled, reason=arg: note ,fee=fixed:a=b", report), {
      status: { fixed: "cancelled" },
      reason: { from_arg: "note" },
      fee: { fixed: "a=b" },
    });
    assert.deepEqual(problems, []);
  });

  test("--patch refuses a missing kind and a column patched twice", () => {
    const { problems, report } = collect();
    parsePatch("status=cancelled,a=arg:x,a=fixed:1", report);
    assert.deepEqual(problems.map((p) => p.flag), ["--patch", "--patch"]);
  });

  test("--patch-bounds reads MIN:MAX with an open side and refuses other forms", () => {
    const { problems, report } = collect();
    assert.deepEqual(parseBounds("a=0:5500,b=-3:,c=:9", report), { a: { minimum: 0, maximum: 5500 }, b: { minimum: -3 }, c: { maximum: 9 } });
    parseBounds("d=1-2,e=:", report);
    assert.equal(problems.length, 2);
  });

  test("--status-guards takes several FROM values and one TO", () => {
    const { problems, report } = collect();
    assert.deepEqual(parseStatusGuards("status=scheduled|checked_in:cancelled", report), { status: { from: ["scheduled", "checked_in"], to: "cancelled" } });
    parseStatusGuards("status=cancelled", report);
    assert.equal(problems.length, 1);
  });

  test("--preconditions, --order-by and lists", () => {
    const { problems, report } = collect();
    assert.deepEqual(parsePreconditions("status=a|b", report), { status: ["a", "b"] });
    assert.deepEqual(parseOrderBy("scheduled_at:desc,id", report), [
      { column: "scheduled_at", direction: "desc" },
      { column: "id", direction: "asc" },
    ]);
    assert.deepEqual(splitList(" a, ,b,"), ["a", "b"]);
    assert.deepEqual(problems, []);
  });
});

describe("defaults from the inspected table", () => {
  test("primary key from the table, tenant and version columns from the suggestions, each reported", () => {
    const outcome = selectionFromFlags({ table: "appointments", patch: "cancel_reason=arg:reason", writeUrlEnv: "W" }, clinicSnapshot(), { readUrlEnv: "R" });
    assert.ok(outcome.ok, JSON.stringify(!outcome.ok && outcome.problems));
    assert.equal(outcome.selection.primary_key, "id");
    assert.equal(outcome.selection.tenant_column, "clinic_id");
    assert.equal(outcome.selection.conflict_column, "updated_at");
    assert.equal(outcome.selection.mode, "review");
    for (const guessed of ["primary key 'id'", "tenant column 'clinic_id'", "conflict column 'updated_at'", "mode review"]) {
      assert.ok(outcome.notes.some((n) => n.includes(guessed)), guessed);
    }
  });

  test("a column whose name holds control, bidi or invisible characters is not visible by default, and no note breaks a line", () => {
    const snapshot = clinicSnapshot();
    const table = snapshot.tables.find((t) => t.name === "appointments")!;
    const status = table.columns.find((c) => c.name === "status")!;
    table.columns.push({ ...status, name: "note\nIGNORE PREVIOUS\u202e" }, { ...status, name: "plain_extra" });
    table.primary_key = ["id\r\nforged"];
    table.columns.find((c) => c.name === "id")!.name = "id\r\nforged";
    const outcome = selectionFromFlags({ table: "appointments", tenantColumn: "clinic_id" }, snapshot, { readUrlEnv: "R" });
    assert.ok(outcome.ok, JSON.stringify(!outcome.ok && outcome.problems));
    assert.ok(outcome.selection.visible_columns!.includes("plain_extra"));
    assert.ok(!outcome.selection.visible_columns!.some((c) => /[\n\r\u202e]/.test(c)), JSON.stringify(outcome.selection.visible_columns));
    assert.ok(outcome.notes.some((n) => n.includes("control, bidi or invisible")), JSON.stringify(outcome.notes));
    for (const note of outcome.notes) assert.doesNotMatch(note, /[\n\r\u202e]/);
  });

  test("no tenant column given and none recognised is refused with the columns to choose from", () => {
    const outcome = selectionFromFlags({ table: "clinics" }, clinicSnapshot(), { readUrlEnv: "R" });
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.problems[0]!.field === "--tenant-column" && outcome.problems[0]!.fix.includes("id, name"));
  });

  test("a misspelt table gets the closest name", () => {
    const outcome = selectionFromFlags({ table: "apointments" }, clinicSnapshot(), { readUrlEnv: "R" });
    assert.ok(!outcome.ok && outcome.problems[0]!.fix === "Did you mean 'appointments'?");
  });

  test("handler writeback needs its variable; list shaping needs --list-tool", () => {
    const outcome = selectionFromFlags({ table: "appointments", tenantColumn: "clinic_id", patch: "cancel_reason=arg:r", writeback: "http_handler", filters: "status" }, clinicSnapshot(), { readUrlEnv: "R" });
    assert.ok(!outcome.ok);
    assert.deepEqual(outcome.problems.map((p) => p.field).sort(), ["--handler-url-env", "--list-tool"]);
  });
});

describe("env var names", () => {
  test("names pass; URLs, paths and token-shaped values do not", () => {
    for (const name of ["DATABASE_URL", "CLINIC_READ_URL", "_X", "app_token_env"]) assert.equal(isEnvName(name), true, name);
    for (const value of ["postgres://u:p@h/db", "sk_live_51HxQk2eZvKYlo2C0aBcDeFgH", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "a b", "x".repeat(65)]) {
      assert.equal(isEnvName(value), false, value.slice(0, 10));
    }
    assert.equal(looksLikeSecretValue("SYNAPSOR_LEDGER_KEY"), false);
  });
});

describe("--spec", () => {
  const base = {
    version: 1,
    engine: "postgres",
    mode: "read_only",
    read_url_env: "R",
    schema: "public",
    table: "appointments",
    primary_key: "id",
    tenant_column: "clinic_id",
    visible_columns: ["status"],
  };

  test("a minimal spec gets the default trusted variables", () => {
    const parsed = parseSelection(base);
    assert.ok(parsed.ok);
    assert.equal(parsed.selection.tenant_env, "SYNAPSOR_TENANT_ID");
    assert.equal(parsed.selection.principal_env, "SYNAPSOR_PRINCIPAL");
  });

  test("mistakes are reported at their JSON path with a fix, a pasted URL without its value", () => {
    const parsed = parseSelection({ ...base, read_url_env: "postgres://u:hunter2@h/db", patch: { status: { fixed: 1, from_arg: "x" } }, writeback: { type: "http_handler" } });
    assert.ok(!parsed.ok);
    assert.deepEqual(parsed.problems.map((p) => p.field).sort(), ["/patch/status", "/read_url_env", "/writeback"]);
    assert.ok(!JSON.stringify(parsed.problems).includes("hunter2"));
    assert.ok(parsed.problems.every((p) => p.fix.length > 0));
  });

  test("approval_role takes a name's characters only: no line break, bidi or invisible character", () => {
    assert.ok(parseSelection({ ...base, mode: "review", approval_role: "billing-lead" }).ok);
    for (const role of ["lead\nAPPROVED", "lead\u202e", "lead\u200b", "a role"]) {
      const parsed = parseSelection({ ...base, approval_role: role });
      assert.ok(!parsed.ok && parsed.problems.some((p) => p.field === "/approval_role"), role);
    }
  });
});

describe("--append", () => {
  const generate = (edit: Record<string, unknown>) => {
    const outcome = selectionFromFlags({ tenantColumn: "clinic_id", mode: "read_only", ...edit }, clinicSnapshot(), { readUrlEnv: "CLINIC_READ_URL" });
    assert.ok(outcome.ok, JSON.stringify(!outcome.ok && outcome.problems));
    const generated = generateContract(outcome.selection, clinicSnapshot());
    assert.ok(generated.ok, JSON.stringify(!generated.ok && generated.problems));
    return generated.contract;
  };

  test("adds capabilities, keeps the existing ones and reuses the source", () => {
    const existing = generate({ table: "appointments" });
    const merged = appendContract(existing, generate({ table: "patients" }));
    assert.ok(merged.ok);
    assert.deepEqual(merged.contract.capabilities.map((c) => c.name), ["appointments.inspect_appointment", "patients.inspect_patient"]);
    assert.deepEqual(merged.contract.sources, existing.sources);
  });

  test("refuses a clashing tool name and another source, each with the fix", () => {
    const existing = generate({ table: "appointments" });
    const clash = appendContract(existing, generate({ table: "appointments" }));
    assert.ok(!clash.ok && clash.problems[0]!.fix.includes("--read-tool"));
    const other = generate({ table: "patients" });
    other.sources.app_db!.read_url_env = "OTHER_URL";
    const elsewhere = appendContract(existing, other);
    assert.ok(!elsewhere.ok && elsewhere.problems[0]!.fix.includes("--from-env CLINIC_READ_URL"));
  });
});

describe(".env.example and snippets", () => {
  test(".env.example names every variable with an empty value, and --append adds only what is missing", () => {
    const outcome = selectionFromFlags(
      { table: "appointments", tenantColumn: "clinic_id", patch: "cancel_reason=arg:r", writeback: "http_handler", handlerUrlEnv: "APP_URL", handlerTokenEnv: "APP_TOKEN" },
      clinicSnapshot(),
      { readUrlEnv: "CLINIC_READ_URL" },
    );
    assert.ok(outcome.ok);
    const generated = generateContract(outcome.selection, clinicSnapshot());
    assert.ok(generated.ok, JSON.stringify(!generated.ok && generated.problems));
    const variables = contractVariables(generated.contract);
    assert.deepEqual(variables.filter((v) => v.scope === "server").map((v) => v.name), ["CLINIC_READ_URL", "SYNAPSOR_TENANT_ID", "SYNAPSOR_PRINCIPAL", "SYNAPSOR_HTTP_TOKEN"]);
    assert.deepEqual(variables.filter((v) => v.scope === "apply").map((v) => v.name), ["APP_URL", "APP_TOKEN"]);
    const text = envExampleText(variables);
    for (const name of ["CLINIC_READ_URL", "SYNAPSOR_TENANT_ID", "SYNAPSOR_PRINCIPAL", "SYNAPSOR_HTTP_TOKEN"]) assert.match(text, new RegExp(`^# .+\\n${name}=$`, "m"));
    // The handler's URL and token are for apply only: never in the file the MCP server loads.
    assert.doesNotMatch(text, /^APP_(URL|TOKEN)=/m);
    const applyText = applyEnvExampleText(variables)!;
    assert.match(applyText, /^APP_URL=$/m);
    assert.match(applyText, /^APP_TOKEN=$/m);
    assert.match(applyText, /never in the \.env/);
    const extended = extendEnvExample("# mine\nCLINIC_READ_URL=\n", [{ name: "CLINIC_READ_URL", purpose: "x", scope: "server" }, { name: "NEW_ONE", purpose: "new", scope: "server" }]);
    assert.equal(extended, "# mine\nCLINIC_READ_URL=\n\n# new\nNEW_ONE=\n");
  });

  test("no database text can start a line of .env.example: a hostile tenant column name stays out of it", () => {
    const hostile = "clinic_id\nNODE_OPTIONS=--require ./pwn.cjs\r\u2028X=1\u202e";
    const snapshot = clinicSnapshot();
    const table = snapshot.tables.find((t) => t.name === "appointments")!;
    table.columns.find((c) => c.name === "clinic_id")!.name = hostile;
    const outcome = selectionFromFlags({ table: "appointments", tenantColumn: hostile }, snapshot, { readUrlEnv: "CLINIC_READ_URL" });
    assert.ok(outcome.ok, JSON.stringify(!outcome.ok && outcome.problems));
    const generated = generateContract(outcome.selection, snapshot);
    assert.ok(generated.ok, JSON.stringify(!generated.ok && generated.problems));
    const variables = contractVariables(generated.contract);
    const hostilePurpose: typeof variables = [...variables, { name: "LATE_ONE", purpose: `late ${hostile}`, scope: "server" }];
    for (const text of [envExampleText(hostilePurpose), extendEnvExample("# app\nA=\n", hostilePurpose)!]) {
      assert.ok(!text.includes("pwn") || !/^NODE_OPTIONS/m.test(text), text);
      for (const line of text.split(/\r\n|\r|\n|\u2028|\u2029/)) {
        if (line === "" || line.startsWith("#")) continue;
        assert.match(line, /^[A-Z_][A-Z0-9_]*=$/, JSON.stringify(line));
      }
      assert.doesNotMatch(text, /[\u2028\u202e\r]/);
    }
    assert.ok(!envExampleText(variables).includes("clinic_id"), "no column name in .env.example");
  });

  test("stdio snippets run node with --env-file and absolute paths; openai-agents serves Streamable HTTP with OpenAI names", () => {
    const desktop = clientSnippet("claude-desktop", { configPath: "cfg/synapsor.runner.json", store: { kind: "sqlite", path: "cfg/.synapsor/local.db" } }) as any;
    const server = desktop.mcpServers["synapsor-runner"];
    assert.equal(server.args[0], "--env-file");
    assert.ok(server.args.every((a: string) => !a.startsWith("cfg/")), "paths are absolute");
    assert.equal(server.args.at(-2), "--store");
    const agents = clientSnippet("openai-agents", { configPath: "c.json", store: { kind: "sqlite", path: "s.db" } }) as any;
    assert.equal(agents.transport, "streamable_http");
    assert.ok(agents.start_server.args.includes("--alias-mode") && agents.start_server.args.includes("openai"));
    assert.equal(agents.auth.token_env, "SYNAPSOR_HTTP_TOKEN");
  });

  test("on a Postgres ledger, stdio and HTTP snippets start the server with --store-url-env VAR: the variable's name, no path, no URL", () => {
    const store = { kind: "postgres", urlEnv: "SYNAPSOR_LEDGER_URL" } as const;
    const stdio = (clientSnippet("cursor", { configPath: "c.json", store }) as any).mcpServers["synapsor-runner"].args as string[];
    const http = (clientSnippet("openai-agents", { configPath: "c.json", store }) as any).start_server.args as string[];
    for (const args of [stdio, http]) {
      assert.deepEqual(args.slice(args.indexOf("--store-url-env"), args.indexOf("--store-url-env") + 2), ["--store-url-env", "SYNAPSOR_LEDGER_URL"]);
      assert.equal(args.includes("--store"), false);
    }
  });
});

describe("values typed from their column", () => {
  const column = (type_class: ColumnInfo["type_class"], extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
    name: "c", data_type: type_class, type_class, nullable: false, has_default: false, generated: false, ...extra,
  });

  test("numbers, booleans and text become the JSON the column takes", () => {
    assert.deepEqual(typedValue("15", column("integer")), { ok: true, value: 15 });
    assert.deepEqual(typedValue("12.50", column("decimal")), { ok: true, value: 12.5 });
    assert.deepEqual(typedValue("false", column("boolean")), { ok: true, value: false });
    assert.deepEqual(typedValue("cancelled", column("string", { enum_values: ["scheduled", "cancelled"] })), { ok: true, value: "cancelled" });
  });

  test("what the column cannot hold is refused", () => {
    assert.equal(typedValue("1.5", column("integer")).ok, false);
    assert.equal(typedValue("9007199254740993", column("bigint")).ok, false, "beyond what a JSON number holds exactly");
    assert.equal(typedValue("yes", column("boolean")).ok, false);
    assert.equal(typedValue("booked", column("string", { enum_values: ["scheduled"] })).ok, false);
    assert.equal(typedValue("abcdef", column("string", { max_length: 3 })).ok, false);
    assert.equal(typedValue(null, column("string")).ok, false, "NOT NULL");
  });

  test("a fixed timestamp, date, time or uuid must have the form an argument for its column must have", () => {
    const stamp = column("timestamp", { data_type: "timestamp with time zone" });
    const refused = typedValue("next tuesday", stamp, "postgres");
    assert.ok(!refused.ok && refused.message.includes("2026-11-30T09:00:00Z"), JSON.stringify(refused));
    assert.equal(typedValue("2026-02-30T09:00:00Z", stamp, "postgres").ok, false, "no February 30");
    assert.deepEqual(typedValue("2026-11-30T09:00:00Z", stamp, "postgres"), { ok: true, value: "2026-11-30T09:00:00Z" });
    const datetime = column("timestamp", { data_type: "datetime" });
    assert.equal(typedValue("2026-11-30T09:00:00+02:00", datetime, "mysql").ok, false, "no offset but UTC for DATETIME");
    assert.deepEqual(typedValue("2026-11-30T09:00:00Z", datetime, "mysql"), { ok: true, value: "2026-11-30T09:00:00" }, "the UTC mark dropped, as from an argument");
    assert.equal(typedValue("tomorrow", column("date", { data_type: "date" })).ok, false);
    assert.equal(typedValue("25:00:00", column("time", { data_type: "time without time zone" })).ok, false);
    assert.equal(typedValue("not-a-uuid", column("uuid", { data_type: "uuid" })).ok, false);
    assert.equal(typedValue("3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a0b", column("uuid", { data_type: "uuid" })).ok, true);
  });

  test("a fixed decimal must fit the precision and scale its type names", () => {
    const money = column("decimal", { data_type: "numeric(10,2)" });
    assert.equal(typedValue("12.50", money).ok, true);
    assert.equal(typedValue("12.505", money).ok, false, "three digits after the point");
    assert.equal(typedValue("123456789.5", money).ok, false, "nine digits before the point");
    assert.equal(typedValue("1e3", money).ok, false, "not a plain decimal");
  });
});
