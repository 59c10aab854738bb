// A committed schema snapshot is untrusted input: a build refuses one that does not match
// schemas/schema-snapshot.v1.schema.json, naming the field and saying to re-run inspect,
// instead of crashing on it or carrying an unchecked value into generated code.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSnapshotFile } from "../../compiler/inspect/read-snapshot.ts";
import { tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_DIR } from "../support/example.ts";

const EXAMPLE = JSON.parse(readFileSync(join(EXAMPLE_DIR, "synapsor.schema.json"), "utf8"));

function read(edit: (s: any) => void) {
  const snapshot = structuredClone(EXAMPLE);
  edit(snapshot);
  const path = join(tempDir("synapsor-snapshot-"), "synapsor.schema.json");
  writeFileSync(path, JSON.stringify(snapshot));
  return readSnapshotFile(path);
}

function refused(edit: (s: any) => void, where: RegExp): string {
  const result = read(edit);
  assert.ok(!result.ok, "the snapshot was accepted");
  assert.equal(result.diagnostic.code, "BAD_SCHEMA_SNAPSHOT");
  assert.match(result.diagnostic.message, where);
  assert.match(result.diagnostic.fix, /synapsor-runner inspect/);
  return result.diagnostic.message;
}

describe("schema snapshot validation", () => {
  test("the committed example and golden snapshots are valid", () => {
    assert.ok(read(() => {}).ok);
  });

  test("a column type that is not text is refused with its location", () => {
    refused((s) => (s.tables[0].columns[1].data_type = { toString: "x" }), /at \/tables\/0\/columns\/1\/data_type: must be string/);
    refused((s) => (s.tables[0].columns[1].data_type = 5), /at \/tables\/0\/columns\/1\/data_type: must be string/);
  });

  test("a type class outside the fixed set is refused", () => {
    refused((s) => (s.tables[0].columns[0].type_class = "string; process.exit(1)"), /at \/tables\/0\/columns\/0\/type_class: must be one of "string"/);
  });

  test("missing, unknown and mistyped fields are each named", () => {
    const message = refused(
      (s) => {
        delete s.tables[0].columns[0].nullable;
        s.tables[0].columns[1].evil = true;
        s.tables[1].primary_key = "id";
        s.tables[1].columns[0].max_length = "64";
      },
      /missing required field 'nullable'/,
    );
    assert.match(message, /at \/tables\/0\/columns\/1: unknown field 'evil'/);
    assert.match(message, /at \/tables\/1\/primary_key: must be array/);
    assert.match(message, /at \/tables\/1\/columns\/0\/max_length: must be integer/);
  });

  test("names that no catalog returns, duplicates and dangling keys are refused", () => {
    refused((s) => (s.tables[0].columns[0].name = "a\u0000b"), /at \/tables\/0\/columns\/0\/name: holds a NUL character/);
    refused((s) => (s.tables[0].name = "x\ud800"), /at \/tables\/0\/name: holds a NUL character or a lone UTF-16 surrogate/);
    refused((s) => s.tables[0].columns.push(structuredClone(s.tables[0].columns[0])), /this column is listed twice/);
    refused((s) => s.tables.push(structuredClone(s.tables[0])), /this table is listed twice/);
    refused((s) => (s.tables[0].primary_key = ["nope"]), /at \/tables\/0\/primary_key\/0: names no column of this table/);
  });

  test("a hostile but well-formed type text is accepted: generated code encodes it", () => {
    assert.ok(read((s) => (s.tables[0].columns[1].data_type = "x */ process.exit(1) /* \u2028 `${1}`")).ok);
  });

  test("the location is escaped for the terminal", () => {
    const message = refused((s) => (s.tables[0].columns[0]["\u001b[2Jx"] = 1), /unknown field '\\u001b\[2Jx'/);
    assert.ok(!message.includes("\u001b"));
  });
});
