// The published protocol schemas: each compiles under strict Ajv, each fixture under
// schemas/fixtures matches its schema, the app handler receipt schema accepts exactly what the
// runner accepts from a handler, and the receipts the runner builds match execution-receipt.v1.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { checkedReceipt, failure, receiptFromReply, uncertainFailure } from "../../runtime/executors/handler-reply.ts";
import { unappliedReceipt } from "../../runtime/executors/receipts.ts";
import { checkWritebackJob } from "../../operator/review/job-schema.ts";
import { alreadyAppliedReceipt, appliedReceipt, refusedReceipt } from "../../handler/receipt.ts";
import { FIXTURE_DIR, SCHEMA_DIR, assertMatchesSchema, fixture, matchesSchema, protocolAjv, readJson, schemaFiles } from "../support/protocol-schemas.ts";

const STATUSES = ["applied", "already_applied", "conflict", "failed"] as const;
const PROTOCOL = ["change-set.v1", "writeback-job.v1", "app-handler-request.v1", "app-handler-receipt.v1", "execution-receipt.v1", "onboarding-selection.v1"];

describe("published schemas", () => {
  test("every schema is draft 2020-12, named by its file in $id, and compiles under strict Ajv", () => {
    const files = schemaFiles();
    for (const name of PROTOCOL) assert.ok(files.includes(`${name}.schema.json`), `${name} is published`);
    const ajv = protocolAjv();
    for (const file of files) {
      const schema = readJson(join(SCHEMA_DIR, file)) as Record<string, unknown>;
      assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema", file);
      assert.equal(schema.$id, `https://synapsor.dev/schemas/${file}`, file);
      assert.equal(typeof schema.description, "string", `${file} has a description`);
      assert.ok(ajv.getSchema(schema.$id as string), file);
    }
  });

  test("every fixture matches the schema its name starts with, and every status has both receipts", () => {
    const fixtures = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith(".json"));
    for (const file of fixtures) {
      const schema = `${file.split(".")[0]}.v1`;
      assertMatchesSchema(schema, fixture(file), file);
    }
    for (const status of STATUSES) {
      for (const kind of ["app-handler-receipt", "execution-receipt"]) {
        const file = `${kind}.${status}.v1.json`;
        assert.ok(fixtures.includes(file), file);
        assert.equal((fixture(file) as { status: string }).status, status, file);
      }
    }
    assert.ok(fixtures.includes("app-handler-request.v1.json"));
    assert.ok(fixtures.includes("change-set.v1.json"));
  });

  test("the request fixture is a writeback job whose change set is the change set fixture", () => {
    const request = fixture("app-handler-request.v1.json") as { change_set: unknown };
    assertMatchesSchema("writeback-job.v1", request);
    assert.deepEqual(request.change_set, fixture("change-set.v1.json"));
    // apply --job checks a job with the product's own validator (its issued_at is in the past: fine).
    assert.equal(checkWritebackJob(request).ok, true);
  });

  test("app-handler-request.v1 is writeback-job.v1: the same documents pass and fail both", () => {
    const request = fixture("app-handler-request.v1.json") as Record<string, unknown>;
    const variants: unknown[] = [
      request,
      { ...request, extra: 1 },
      { ...request, protocol_version: "2.0" },
      { ...request, change_set: { ...(request.change_set as object), patch: {} } },
      { ...request, change_set: { ...(request.change_set as object), secret: "x" } },
      { ...request, issued_at: "yesterday" },
    ];
    const outcomes = variants.map((v) => [matchesSchema("app-handler-request.v1", v), matchesSchema("writeback-job.v1", v)]);
    for (const [a, b] of outcomes) assert.equal(a, b);
    assert.deepEqual(outcomes.map(([a]) => a), [true, false, false, false, false, false]);
  });

  test("the product's job check refuses a job whose change set breaks change-set.v1", () => {
    const request = fixture("app-handler-request.v1.json") as Record<string, unknown>;
    const broken = { ...request, change_set: { ...(request.change_set as object), scope: { tenant_id: "acme" } } };
    const check = checkWritebackJob(broken);
    assert.equal(check.ok, false);
    assert.match(check.ok ? "" : check.errors.join("\n"), /\/change_set\/scope.*object_id/);
  });

  test("strict Ajv refuses an unknown keyword, so a typo in a schema cannot pass silently", () => {
    const ajv = new Ajv2020({ strict: true });
    assert.throws(() => ajv.compile({ type: "object", additionalProperty: false }));
  });
});

describe("app-handler-receipt.v1 accepts exactly what the runner accepts", () => {
  const applied = fixture("app-handler-receipt.applied.v1.json") as Record<string, unknown>;
  const failed = fixture("app-handler-receipt.failed.v1.json") as Record<string, unknown>;
  const { previous_version: _p, new_version: _n, safe_error_code: _c, message: _m, details: _d, ...minimal } = applied;
  const emoji = "\u{1F600}";
  const cases: Array<[string, unknown]> = [
    ...STATUSES.map((s): [string, unknown] => [`the ${s} fixture`, fixture(`app-handler-receipt.${s}.v1.json`)]),
    ["only the three required members", minimal],
    ["unknown members and a handler message", { ...applied, message: "\u001b[31mhandler text", trace_id: "abc" }],
    ["source_database_mutated unknown", { ...failed, source_database_mutated: "unknown" }],
    ["numeric and boolean versions", { ...applied, previous_version: 7, new_version: true }],
    ["a 200-character version", { ...applied, new_version: "v".repeat(200) }],
    ["a version of 150 emoji (300 UTF-16 units, 150 characters)", { ...applied, new_version: emoji.repeat(150) }],
    ["details that are not an object (cut, not refused)", { ...applied, details: "lots" }],
    ["effects that are too many and too long (cut, not refused)", { ...applied, details: { effects: Array.from({ length: 30 }, () => ({ note: "x".repeat(500), nested: { a: 1 } })) } }],
    ["an app's own code on failed", { ...failed, safe_error_code: "CREDIT_LIMIT_REACHED" }],
    ["a valid code on applied (ignored)", { ...applied, safe_error_code: "NOTE" }],
    ["rows_affected written as 1.0", JSON.parse(JSON.stringify(applied).replace('"rows_affected":1', '"rows_affected":1.0'))],
    // Refused:
    ["not an object", [applied]],
    ["null", null],
    ["no status", { ...applied, status: undefined }],
    ["an unknown status", { ...applied, status: "ok" }],
    ["negative rows_affected", { ...applied, rows_affected: -1 }],
    ["fractional rows_affected", { ...applied, rows_affected: 1.5 }],
    ["rows_affected beyond a safe integer", { ...applied, rows_affected: 2 ** 53 }],
    ["rows_affected as text", { ...applied, rows_affected: "1" }],
    ["no source_database_mutated", { ...applied, source_database_mutated: undefined }],
    ["source_database_mutated yes", { ...applied, source_database_mutated: "yes" }],
    ["a 201-character version", { ...applied, new_version: "v".repeat(201) }],
    ["a version of 201 emoji", { ...applied, previous_version: emoji.repeat(201) }],
    ["an object version", { ...applied, previous_version: { at: 1 } }],
    ["failed without a code", { ...failed, safe_error_code: null }],
    ["conflict with the code missing", { ...fixture("app-handler-receipt.conflict.v1.json") as object, safe_error_code: undefined }],
    ["a code written as prose", { ...failed, safe_error_code: "the database said no" }],
    ["a lower-case code on applied", { ...applied, safe_error_code: "note" }],
    ["a numeric code", { ...failed, safe_error_code: 42 }],
  ];

  for (const [name, value] of cases) {
    test(name, () => {
      // JSON round trip: what a handler can actually send (undefined members vanish).
      const wire = JSON.parse(JSON.stringify(value)) as unknown;
      const runner = checkedReceipt(wire);
      const accepted = typeof runner !== "string";
      assert.equal(matchesSchema("app-handler-receipt.v1", wire), accepted, `schema and runner disagree (runner: ${accepted ? "accepted" : runner})`);
      if (accepted) assertMatchesSchema("execution-receipt.v1", runner, "the runner's receipt");
    });
  }

  test("both directions are exercised", () => {
    const verdicts = cases.map(([, v]) => typeof checkedReceipt(JSON.parse(JSON.stringify(v))) !== "string");
    assert.ok(verdicts.includes(true) && verdicts.includes(false));
  });

  test("each handler receipt fixture becomes the execution receipt fixture of its status", () => {
    for (const status of STATUSES) {
      const text = JSON.stringify(fixture(`app-handler-receipt.${status}.v1.json`));
      assert.deepEqual(receiptFromReply(text, "app handler").receipt, fixture(`execution-receipt.${status}.v1.json`), status);
    }
  });

  test("effects kept whole match $defs/details; cut ones are marked truncated", () => {
    const details = (applied.details as object);
    assert.ok(matchesSchema("app-handler-receipt.v1#/$defs/details", details));
    const cut = checkedReceipt({ ...applied, details: { effects: [{ note: "x".repeat(500) }] } });
    assert.ok(typeof cut !== "string" && cut.details.truncated === true);
    assert.ok(!matchesSchema("app-handler-receipt.v1#/$defs/details", { effects: [{ note: "x".repeat(500) }] }));
  });
});

describe("receipts the runner and the TS helper build match their schemas", () => {
  test("runner receipts: unapplied, failed before and after the handler had the request, invalid replies", () => {
    const receipts = [
      unappliedReceipt("conflict", "ROW_CHANGED_AFTER_PROPOSAL", "The row changed.", "2026-05-16T00:00:00Z"),
      unappliedReceipt("failed", "WRITER_UNAVAILABLE", "The writer is down."),
      failure("HANDLER_UNREACHABLE", "The app handler could not be reached.").receipt,
      uncertainFailure("HANDLER_TIMEOUT", "The app handler did not answer.").receipt,
      receiptFromReply("not json", "app handler").receipt,
      receiptFromReply("{\"status\":\"done\"}", "app handler").receipt,
    ];
    for (const receipt of receipts) assertMatchesSchema("execution-receipt.v1", receipt);
    assert.equal(receipts[3]!.source_database_mutated, "unknown");
  });

  test("the helper's receipts for each status match app-handler-receipt.v1 (and execution-receipt.v1)", () => {
    const applied = appliedReceipt(1, "2026-05-16T00:00:00.123456Z", "2026-05-16T09:30:01Z", [{ type: "db.insert", table: "credits", id: "CR-1" }]);
    const receipts = [
      applied,
      alreadyAppliedReceipt(applied),
      refusedReceipt("conflict", "ROW_NOT_FOUND_OR_WRONG_TENANT", "No such row in this tenant."),
      refusedReceipt("failed", "HANDLER_FAILED", "The business function failed."),
    ];
    assert.deepEqual(receipts.map((r) => r.status), [...STATUSES]);
    for (const receipt of receipts) {
      assertMatchesSchema("app-handler-receipt.v1", receipt);
      assertMatchesSchema("execution-receipt.v1", receipt);
    }
  });

  test("execution-receipt.v1 refuses what the runner never writes", () => {
    const applied = fixture("execution-receipt.applied.v1.json") as Record<string, unknown>;
    const failed = fixture("execution-receipt.failed.v1.json") as Record<string, unknown>;
    for (const bad of [
      { ...applied, extra: 1 },
      { ...applied, safe_error_code: "X" },
      { ...failed, safe_error_code: null },
      { ...applied, details: { effects: [], more: 1 } },
      { ...applied, message: "" },
      { ...applied, details: { effects: [{ nested: { a: 1 } }] } },
    ]) {
      assert.equal(matchesSchema("execution-receipt.v1", bad), false, JSON.stringify(bad));
    }
  });
});
