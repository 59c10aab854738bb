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

test("Postgres: a domain is judged by its base type; any type not known to compare exactly folds", () => {
  // CREATE DOMAIN tenant_t AS citext: format_type() prints the domain's own name.
  assert.equal(keyEquality("postgres", column("tenant_t", { type_class: "string", base_type: "citext" })), "folding");
  assert.equal(keyEquality("postgres", column("code_t", { type_class: "string", base_type: "character varying" })), "exact");
  // An older snapshot without base_type, an enum, an extension type: the second comparison is the safe side.
  assert.equal(keyEquality("postgres", column("tenant_t", { type_class: "string" })), "folding");
  assert.equal(keyEquality("postgres", column("mood", { type_class: "string" })), "folding");
  // A user type that shadows a built-in name is printed schema-qualified, and is not the built-in.
  assert.equal(keyEquality("postgres", column("public.text", { type_class: "string" })), "folding");
  for (const type of ["character(8)", "name", "bigint", "integer", "numeric(12,2)", "timestamp(6) with time zone", "bytea", "uuid"]) {
    assert.equal(keyEquality("postgres", column(type)), "exact", type);
  }
});

test("MySQL: the snapshot's type_class cannot make a character key exact; only data_type can", () => {
  // A snapshot edit marking a varchar tenant column as an integer must not drop the exact comparison.
  for (const type_class of ["integer", "bigint", "decimal", "binary", "uuid", "other"] as const) {
    assert.equal(keyEquality("mysql", column("varchar(64)", { type_class })), "folding", type_class);
  }
  for (const type of ["tinyint(4)", "smallint(6)", "mediumint", "int(11) unsigned", "bigint(20)", "decimal(10,2)", "binary(16)", "varbinary(64)"]) {
    assert.equal(keyEquality("mysql", column(type, { type_class: "string" })), "exact", type);
  }
  for (const type of ["json", "datetime(6)", "set('a')", "geometry"]) assert.equal(keyEquality("mysql", column(type)), "folding", type);
});
