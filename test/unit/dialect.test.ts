// One dialect per engine, pinned without a database: quoting, placeholders, qualified names,
// session set-up (including MySQL 8's statement timeout, which only MariaDB runs here, so the
// fallback is decided by a pure function and a recorded `run`), driver value parsing and the
// error tables.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { databaseErrorClass, dialectFor, Placeholders, writerErrorKind } from "../../runtime/dialect/index.ts";
import {
  ER_UNKNOWN_SYSTEM_VARIABLE,
  mysqlDriverOptions,
  MysqlSessionSetup,
  fallsBackToMysql8,
  mysqlSessionStatement,
} from "../../runtime/dialect/mysql.ts";
import { postgresSessionOptions, postgresTypeParsers, type PgTypeParserLookup } from "../../runtime/dialect/postgres.ts";

describe("quoting, placeholders and names", () => {
  test("postgres doubles double quotes and numbers its placeholders", () => {
    const d = dialectFor("postgres");
    assert.equal(d.quote("order-id"), '"order-id"');
    assert.equal(d.quote('we"ird'), '"we""ird"');
    assert.equal(d.quote("a`b"), '"a`b"');
    assert.equal(d.placeholder(1), "$1");
    assert.equal(d.placeholder(12), "$12");
    assert.equal(d.qualifiedName("public", "invoices"), '"public"."invoices"');
    assert.equal(d.qualifiedName(undefined, "invoices"), '"invoices"');
    assert.equal(d.now, "clock_timestamp()");
    assert.equal(d.timestampText("2026-05-16T09:30:00.123456"), "2026-05-16T09:30:00.123456Z");
  });

  test("mysql doubles backticks and uses ? for every placeholder", () => {
    const d = dialectFor("mysql");
    assert.equal(d.quote("order-id"), "`order-id`");
    assert.equal(d.quote("we`ird"), "`we``ird`");
    assert.equal(d.quote('a"b'), '`a"b`');
    assert.equal(d.placeholder(1), "?");
    assert.equal(d.placeholder(7), "?");
    assert.equal(d.qualifiedName("billing", "invoices"), "`billing`.`invoices`");
    assert.equal(d.qualifiedName(null, "invoices"), "`invoices`");
    assert.equal(d.now, "CURRENT_TIMESTAMP(6)");
    assert.equal(d.timestampText("2026-05-16T09:30:00.123456"), "2026-05-16 09:30:00.123456");
  });

  test("grantees: a plain Postgres role is quoted; MySQL takes user, user@host and its quoted spellings; anything else is refused", () => {
    const pgd = dialectFor("postgres");
    assert.equal(pgd.grantee("app_writer"), '"app_writer"');
    assert.equal(pgd.grantee("app_writer@%"), undefined);
    assert.equal(pgd.grantee("x'; DROP TABLE invoices; --"), undefined);
    assert.equal(pgd.grantsSchemaUsage, true);
    const my = dialectFor("mysql");
    for (const spelling of ["app_writer@%", "'app_writer'@'%'", "`app_writer`@`%`"]) assert.equal(my.grantee(spelling), "'app_writer'@'%'", spelling);
    assert.equal(my.grantee("app_writer"), "'app_writer'");
    assert.equal(my.grantee("x'; DROP TABLE invoices; --"), undefined);
    assert.equal(my.grantee("app'writer@%"), undefined);
    assert.equal(my.grantsSchemaUsage, false);
  });

  test("what the engines differ in beyond spelling: RETURNING and the default schema", () => {
    assert.equal(dialectFor("postgres").supportsReturning, true);
    assert.equal(dialectFor("mysql").supportsReturning, false);
    assert.equal(dialectFor("postgres").defaultSchema, "public");
    assert.equal(dialectFor("mysql").defaultSchema, undefined);
  });

  test("Placeholders hands out the engine's placeholder and keeps what each stands for, in order", () => {
    const p = new Placeholders<string>(dialectFor("postgres"));
    assert.deepEqual([p.bind("a"), p.bind("b"), p.bind("c")], ["$1", "$2", "$3"]);
    assert.deepEqual(p.items, ["a", "b", "c"]);
    const m = new Placeholders<number>(dialectFor("mysql"));
    assert.deepEqual([m.bind(1), m.bind(2)], ["?", "?"]);
    assert.deepEqual(m.items, [1, 2]);
  });
});

describe("session set-up", () => {
  test("postgres: UTC, ISO dates and the statement timeout as startup options; read-only on request", () => {
    assert.equal(postgresSessionOptions({ statementTimeoutMs: 3000 }), "-c TimeZone=UTC -c DateStyle=ISO -c statement_timeout=3000");
    assert.equal(
      postgresSessionOptions({ statementTimeoutMs: 250, readOnly: true }),
      "-c TimeZone=UTC -c DateStyle=ISO -c statement_timeout=250 -c default_transaction_read_only=on",
    );
    assert.throws(() => postgresSessionOptions({ statementTimeoutMs: 1.5 }), RangeError);
    assert.throws(() => postgresSessionOptions({ statementTimeoutMs: -1 }), RangeError);
  });

  test("the two MySQL servers' statements: MariaDB in seconds, MySQL 8 in milliseconds", () => {
    assert.equal(mysqlSessionStatement("mariadb", 3000), "SET time_zone = '+00:00', SESSION max_statement_time = 3");
    assert.equal(mysqlSessionStatement("mariadb", 250), "SET time_zone = '+00:00', SESSION max_statement_time = 0.25");
    assert.equal(mysqlSessionStatement("mysql", 3000), "SET time_zone = '+00:00', SESSION MAX_EXECUTION_TIME = 3000");
    assert.throws(() => mysqlSessionStatement("mysql", Number.NaN), RangeError);
  });

  test("the fallback: only 'unknown system variable', and only before MariaDB has answered", () => {
    const unknownVariable = { errno: ER_UNKNOWN_SYSTEM_VARIABLE, sqlState: "HY000" };
    assert.equal(fallsBackToMysql8(unknownVariable, undefined), true);
    assert.equal(fallsBackToMysql8(unknownVariable, "mysql"), true);
    assert.equal(fallsBackToMysql8(unknownVariable, "mariadb"), false, "a pool that saw MariaDB does not switch");
    assert.equal(fallsBackToMysql8({ errno: 1045, sqlState: "28000" }, undefined), false);
    assert.equal(fallsBackToMysql8(new Error("socket closed"), undefined), false);
  });

  /** A server that knows only MySQL 8's variable, recording what each connection ran. */
  function mysql8Server() {
    const ran: string[] = [];
    const run = async (sql: string) => {
      ran.push(sql);
      if (sql.includes("max_statement_time")) throw Object.assign(new Error("Unknown system variable"), { errno: ER_UNKNOWN_SYSTEM_VARIABLE, sqlState: "HY000" });
    };
    return { ran, run };
  }

  test("on MySQL 8 the first connection falls back; later connections go straight to MAX_EXECUTION_TIME", async () => {
    const setup = new MysqlSessionSetup({ statementTimeoutMs: 3000, readOnly: true });
    const first = mysql8Server();
    await setup.prepare(first.run);
    assert.deepEqual(first.ran, [
      "SET time_zone = '+00:00', SESSION max_statement_time = 3",
      "SET time_zone = '+00:00', SESSION MAX_EXECUTION_TIME = 3000",
      "SET SESSION TRANSACTION READ ONLY",
    ]);
    assert.equal(setup.server, "mysql");
    const second = mysql8Server();
    await setup.prepare(second.run);
    assert.deepEqual(second.ran, ["SET time_zone = '+00:00', SESSION MAX_EXECUTION_TIME = 3000", "SET SESSION TRANSACTION READ ONLY"]);
  });

  test("on MariaDB one statement; any other failure is passed on and nothing else runs", async () => {
    const setup = new MysqlSessionSetup({ statementTimeoutMs: 5000 });
    const ran: string[] = [];
    await setup.prepare(async (sql) => void ran.push(sql));
    assert.deepEqual(ran, ["SET time_zone = '+00:00', SESSION max_statement_time = 5"]);
    assert.equal(setup.server, "mariadb");

    const refused = new MysqlSessionSetup({ statementTimeoutMs: 5000 });
    const tried: string[] = [];
    const denied = Object.assign(new Error("denied"), { errno: 1227, sqlState: "42000" });
    await assert.rejects(
      refused.prepare(async (sql) => {
        tried.push(sql);
        throw denied;
      }),
      (err) => err === denied,
    );
    assert.equal(tried.length, 1);
    assert.equal(refused.server, undefined);
  });
});

describe("driver values", () => {
  test("pg parsers: int8, numeric, date and interval stay text; timestamps become ISO UTC with every digit", () => {
    const types = postgresTypeParsers(pg.types.getTypeParser as PgTypeParserLookup);
    const parse = (oid: number, text: string) => (types.getTypeParser(oid, "text") as (t: string) => unknown)(text);
    assert.equal(parse(20, "9007199254740993"), "9007199254740993");
    assert.equal(parse(1700, "12.340"), "12.340");
    assert.equal(parse(1082, "2026-05-16"), "2026-05-16");
    assert.equal(parse(1186, "1 day 02:00:00"), "1 day 02:00:00");
    assert.equal(parse(1184, "2026-05-16 09:30:00.123456+00"), "2026-05-16T09:30:00.123456Z");
    assert.deepEqual(parse(1185, '{"2026-05-16 09:30:00+00",NULL}'), ["2026-05-16T09:30:00Z", null]);
    assert.equal(parse(23, "42"), 42, "other types keep pg's own parser");
  });

  test("mysql2 options: UTC, text dates and big numbers, TINYINT(1) as boolean; a fresh object per pool", () => {
    const MYSQL_DRIVER_OPTIONS = mysqlDriverOptions();
    assert.notEqual(mysqlDriverOptions().flags, MYSQL_DRIVER_OPTIONS.flags, "no pool shares another's flags");
    assert.equal(MYSQL_DRIVER_OPTIONS.timezone, "Z");
    assert.equal(MYSQL_DRIVER_OPTIONS.dateStrings, true);
    assert.equal(MYSQL_DRIVER_OPTIONS.bigNumberStrings, true);
    assert.deepEqual(MYSQL_DRIVER_OPTIONS.flags, ["FOUND_ROWS"]);
    const cast = MYSQL_DRIVER_OPTIONS.typeCast as unknown as (field: { type: string; length: number }, next: () => unknown) => unknown;
    assert.equal(cast({ type: "TINY", length: 1 }, () => 1), true);
    assert.equal(cast({ type: "TINY", length: 1 }, () => 0), false);
    assert.equal(cast({ type: "TINY", length: 1 }, () => null), null);
    assert.equal(cast({ type: "TINY", length: 4 }, () => 7), 7);
    assert.equal(cast({ type: "DATETIME", length: 26 }, () => "2026-05-16 09:30:00.123456"), "2026-05-16T09:30:00.123456Z");
    assert.equal(cast({ type: "LONG", length: 11 }, () => 5), 5);
  });
});

describe("error tables", () => {
  const pgError = (code: string) => Object.assign(new Error("server text"), { code, severity: "ERROR" });
  const mysqlError = (errno: number, sqlState: string) => Object.assign(new Error("server text"), { errno, sqlState });

  test("Postgres SQLSTATEs", () => {
    assert.equal(databaseErrorClass(pgError("57014")), "unavailable");
    assert.equal(databaseErrorClass(pgError("08006")), "unavailable");
    assert.equal(databaseErrorClass(pgError("22P02")), "invalid_value");
    assert.equal(databaseErrorClass(pgError("08P01")), "internal");
    assert.equal(databaseErrorClass(pgError("42601")), "internal");
    assert.equal(writerErrorKind(pgError("23505")), "duplicate_key");
    assert.equal(writerErrorKind(pgError("42501")), "permission");
    assert.equal(writerErrorKind(pgError("28P01")), "authentication");
    assert.equal(writerErrorKind(pgError("42P01")), "missing_object");
    assert.equal(writerErrorKind(pgError("3D000")), "missing_database", "the URL's database does not exist: not a missing table");
    assert.equal(writerErrorKind(pgError("57014")), "unreachable");
    assert.equal(writerErrorKind(pgError("42601")), "other");
  });

  test("MySQL and MariaDB error numbers", () => {
    assert.equal(databaseErrorClass(mysqlError(1969, "70100")), "unavailable", "MariaDB max_statement_time");
    assert.equal(databaseErrorClass(mysqlError(3024, "HY000")), "unavailable", "MySQL 8 MAX_EXECUTION_TIME");
    assert.equal(databaseErrorClass(mysqlError(1406, "22001")), "invalid_value");
    assert.equal(databaseErrorClass(mysqlError(1064, "42000")), "internal");
    assert.equal(writerErrorKind(mysqlError(1062, "23000")), "duplicate_key");
    assert.equal(writerErrorKind(mysqlError(1142, "42000")), "permission");
    assert.equal(writerErrorKind(mysqlError(1146, "42S02")), "missing_object");
    assert.equal(writerErrorKind(mysqlError(1049, "42000")), "missing_database", "the URL's database does not exist: not a missing table");
  });

  test("network and lost-connection signs from either driver, also inside causes", () => {
    assert.equal(databaseErrorClass(Object.assign(new Error("x"), { code: "ECONNREFUSED" })), "unavailable");
    assert.equal(databaseErrorClass(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })])), "unavailable");
    assert.equal(databaseErrorClass(new Error("Connection terminated unexpectedly")), "unavailable");
    assert.equal(databaseErrorClass(Object.assign(new Error("x"), { code: "PROTOCOL_CONNECTION_LOST" })), "unavailable");
    assert.equal(databaseErrorClass(Object.assign(new Error("x"), { fatal: true })), "unavailable");
    assert.equal(databaseErrorClass(new Error("wrapped", { cause: pgError("40P01") })), "unavailable");
    assert.equal(databaseErrorClass(new Error("something else")), "internal");
  });
});

describe("exact key matches", () => {
  const match = (engine: "postgres" | "mysql", equality: "exact" | "folding" | "unknown") => {
    const d = dialectFor(engine);
    const values = new Placeholders<string>(d);
    return { sql: d.exactMatch(d.quote("tenant_id"), () => values.bind("acme"), equality), params: values.items };
  };

  test("a column whose `=` is already exact keeps the plain comparison", () => {
    assert.deepEqual(match("postgres", "exact"), { sql: '"tenant_id" = $1', params: ["acme"] });
    assert.deepEqual(match("mysql", "exact"), { sql: "`tenant_id` = ?", params: ["acme"] });
  });

  test("a folding or unknown column adds a byte comparison after the indexed `=`, binding the value again", () => {
    for (const equality of ["folding", "unknown"] as const) {
      assert.deepEqual(match("mysql", equality), {
        sql: "`tenant_id` = ? AND CAST(CONVERT(`tenant_id` USING utf8mb4) AS BINARY) = CAST(CONVERT(? USING utf8mb4) AS BINARY)",
        params: ["acme", "acme"],
      });
      assert.deepEqual(match("postgres", equality), {
        sql: '"tenant_id" = $1 AND CAST("tenant_id" AS text) COLLATE "C" = $2',
        params: ["acme", "acme"],
      });
    }
  });
});
