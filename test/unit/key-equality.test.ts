// Which key and tenant columns need an exact comparison beyond `=`, decided from the schema
// snapshot at build time (compiler/plan/key-equality.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { keyEquality } from "../../compiler/plan/key-equality.ts";
import { typeClassOf } from "../../compiler/inspect/type-class.ts";
import type { ColumnInfo } from "../../compiler/inspect/snapshot.ts";

const column = (data_type: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name: "k",
  data_type,
  type_class: typeClassOf(data_type),
  nullable: false,
  has_default: false,
  generated: false,
  ...extra,
});

test("MySQL: every character column folds (case, accents, PAD SPACE); numbers do not", () => {
  for (const type of ["varchar(64)", "char(8)", "text", "enum('a','b')"]) assert.equal(keyEquality("mysql", column(type)), "folding", type);
  for (const type of ["bigint(20) unsigned", "int", "binary(16)"]) assert.equal(keyEquality("mysql", column(type)), "exact", type);
});

test("Postgres: text is exact unless its collation is nondeterministic or its type is citext", () => {
  assert.equal(keyEquality("postgres", column("text")), "exact");
  assert.equal(keyEquality("postgres", column("character varying(64)")), "exact");
  assert.equal(keyEquality("postgres", column("text", { nondeterministic_collation: "ci_und" })), "folding");
  assert.equal(keyEquality("postgres", column("citext")), "folding");
  assert.equal(keyEquality("postgres", column("public.citext")), "folding");
  assert.equal(keyEquality("postgres", column("uuid")), "exact");
});

test("a column the snapshot does not describe is treated as folding", () => {
  assert.equal(keyEquality("mysql", undefined), "unknown");
  assert.equal(keyEquality("postgres", undefined), "unknown");
});
