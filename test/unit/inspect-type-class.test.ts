import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFromUrl, typeClassOf } from "../../compiler/inspect/index.ts";
import type { TypeClass } from "../../compiler/inspect/snapshot.ts";

test("typeClassOf maps Postgres and MySQL type text to a coarse class", () => {
  const cases: Array<[string, TypeClass]> = [
    ["text", "string"], ["character varying(64)", "string"], ["varchar(255)", "string"], ["character(3)", "string"],
    ["char(2)", "string"], ["citext", "string"], ["enum('open','paid')", "string"], ["longtext", "string"],
    ["smallint", "integer"], ["integer", "integer"], ["int(11)", "integer"], ["mediumint(9)", "integer"],
    ["tinyint(4)", "integer"], ["tinyint(1)", "boolean"], ["tinyint(1) unsigned", "boolean"],
    ["bigint", "bigint"], ["bigint(20) unsigned", "bigint"],
    ["numeric(12,2)", "decimal"], ["decimal(10,0)", "decimal"], ["numeric", "decimal"],
    ["real", "number"], ["double precision", "number"], ["double", "number"], ["float", "number"],
    ["boolean", "boolean"], ["bool", "boolean"],
    ["timestamp with time zone", "timestamp"], ["timestamp(3) without time zone", "timestamp"],
    ["timestamptz", "timestamp"], ["datetime(6)", "timestamp"], ["timestamp", "timestamp"],
    ["date", "date"], ["time without time zone", "time"], ["time(6)", "time"], ["timetz", "time"],
    ["json", "json"], ["jsonb", "json"], ["uuid", "uuid"],
    ["bytea", "binary"], ["blob", "binary"], ["varbinary(16)", "binary"], ["binary(16)", "binary"],
    ["integer[]", "other"], ["character varying(10)[]", "other"], ["interval", "other"], ["point", "other"],
    ["bit(1)", "other"], ["INT(11)", "integer"],
  ];
  for (const [type, expected] of cases) assert.equal(typeClassOf(type), expected, type);
});

test("engineFromUrl reads the scheme only", () => {
  assert.equal(engineFromUrl("postgres://u@h/db"), "postgres");
  assert.equal(engineFromUrl("postgresql://u@h/db"), "postgres");
  assert.equal(engineFromUrl("POSTGRESQL://u@h/db"), "postgres");
  assert.equal(engineFromUrl("mysql://u@h/db"), "mysql");
  assert.equal(engineFromUrl("mariadb://u@h/db"), "mysql");
  assert.equal(engineFromUrl("sqlite:///tmp/x"), undefined);
  assert.equal(engineFromUrl("host=localhost dbname=x"), undefined);
  assert.equal(engineFromUrl(""), undefined);
});
