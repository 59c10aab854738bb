// The one encoder for generated code (compiler/emit/code-literal.ts, comment-text.ts) and the
// type-check report: what JSON.stringify leaves raw is escaped, `__proto__` stays a key, and a
// type error in generated code is reported with the compiler's own words.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { codeLiteral, propertyAccess, propertyKey, stringLiteral } from "../../compiler/emit/code-literal.ts";
import { blockComment, commentJson, sqlStatementComment } from "../../compiler/emit/comment-text.ts";
import fc from "fast-check";
import { hostileText } from "../support/hostile-names.ts";
import { typecheckSources } from "../../compiler/emit/typecheck.ts";
import { emitPlan } from "../../compiler/pipeline.ts";
import { INVOICES, column, contractFor, planCase, waiver } from "../support/plan-fixtures.ts";

const HOSTILE = [
  'a"b',
  "a\\b",
  "a\nb\r\nc",
  "x\u2028y\u2029z",
  "bidi\u202eevil\u2066\u2069\u200f\u061c",
  "zero\u200bwidth\ufeff\u00ad",
  "c1\u0085\u009b[2J",
  "esc\u001b[31m",
  "lone\ud800surrogate",
  "emoji 😀 ok",
  "tag\u{E0041}\u{E0042}\u{E007F}chars",
  "selector\ufe0f\u{E0100}x",
  "filler\u3164\u115f\u034fx",
  "${process.exit(1)}`",
  "*/process.exit(1)/*",
];

/** Nothing a reviewer cannot see: every character of the output is printable ASCII or a visible non-ASCII character. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

describe("code encoder", () => {
  test("a string literal round-trips every value and holds nothing invisible", () => {
    for (const text of HOSTILE) {
      const literal = stringLiteral(text);
      assert.doesNotMatch(literal, INVISIBLE, JSON.stringify(text));
      assert.equal(vm.runInNewContext(`(${literal})`), text);
    }
  });

  test("astral invisible characters are escaped as both UTF-16 units", () => {
    assert.equal(stringLiteral("a\u{E0041}b"), '"a\\udb40\\udc41b"');
    assert.equal(blockComment("x\u{E0100}"), "x\\udb40\\udd00");
    assert.equal(stringLiteral("\u3164"), '"\\u3164"');
  });

  test("object literals keep __proto__ as an own key instead of setting the prototype", () => {
    const parsed = JSON.parse('{"__proto__": {"minimum": 0, "maximum": 5}, "order-id": 1}');
    const [keys, plainPrototype] = vm.runInNewContext(`const o = (${codeLiteral(parsed)}); [Object.keys(o), Object.getPrototypeOf(o) === Object.prototype]`);
    assert.deepEqual([...keys], ["__proto__", "order-id"]);
    assert.equal(plainPrototype, true);
    assert.equal(propertyKey("__proto__"), '["__proto__"]');
  });

  test("property access brackets anything that is not an identifier", () => {
    assert.equal(propertyAccess("row", "order-id"), 'row["order-id"]');
    assert.equal(propertyAccess("row", "first name"), 'row["first name"]');
    assert.equal(propertyAccess("row", "x\u2028"), 'row["x\\u2028"]');
    assert.equal(propertyAccess("row", "id"), "row.id");
  });

  test("comment text cannot end its comment or hide characters", () => {
    for (const text of HOSTILE) {
      for (const encoded of [blockComment(text), commentJson(text)]) {
        assert.doesNotMatch(encoded, INVISIBLE, JSON.stringify(text));
        assert.ok(!encoded.includes("*/"), encoded);
      }
    }
    assert.equal(JSON.parse(commentJson("a*/b")), "a*/b", "JSON in comments stays the same JSON value");
  });

  test("a SQL statement comment names a contract capability as it is", () => {
    assert.equal(sqlStatementComment("billing.inspect_invoice"), "/* synapsor:billing.inspect_invoice */");
  });

  test("a SQL statement comment cannot end, nest, turn executable, hold a placeholder or break a line, whatever the name", () => {
    const cases = [...HOSTILE, "a*/ DROP TABLE x; /*", "/*! executable */", "+ hint", "x?y$1:z", "a--b", "a'b\"c", "\u0000nul", "a\\b"];
    const check = (name: string) => {
      const comment = sqlStatementComment(name);
      const inner = comment.slice("/* synapsor:".length, -" */".length);
      assert.ok(comment.startsWith("/* synapsor:") && comment.endsWith(" */"), comment);
      // Only letters, digits, _, . and % between the fixed ends: nothing SQL, a driver or a terminal reads specially.
      assert.match(inner, /^[A-Za-z0-9_.%]*$/, JSON.stringify(name));
      // Percent-encoding is reversible, so two names never share a comment.
      // (A lone surrogate has no UTF-8 form: it is encoded as U+FFFD, as Buffer does.)
      assert.equal(decodeURIComponent(inner), Buffer.from(name, "utf8").toString("utf8"));
    };
    cases.forEach(check);
    fc.assert(fc.property(hostileText, (name) => check(name)), { numRuns: 300 });
  });

  test("a column named __proto__ keeps its bound and its patch value in the generated module", async () => {
    const capability = waiver();
    const c = { engine: "postgres" as const, capability, tables: [{ ...INVOICES, columns: [...INVOICES.columns, column("__proto__", "integer")] }] };
    const raw = JSON.parse(
      JSON.stringify(contractFor(c))
        .replace('"allowed_columns":[', '"allowed_columns":["__proto__",')
        .replace('"numeric_bounds":{', '"numeric_bounds":{"__proto__":{"minimum":0,"maximum":5},')
        .replace('"patch":{', '"patch":{"__proto__":{"from_arg":"new_late_fee_cents"},'),
    );
    const planned = planCase(c, raw);
    assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
    const emitted = await emitPlan(planned.plan, { bundle: false });
    assert.ok(emitted.ok, JSON.stringify(!emitted.ok && emitted.diagnostics));
    const module = emitted.files.get("src/capabilities/billing.propose_late_fee_waiver.ts")!;
    assert.match(module, /\["__proto__"\]: \{ minimum: 0, maximum: 5 \}/);
    assert.match(module, /\["__proto__"\]: args\.new_late_fee_cents,/);
    assert.doesNotMatch(module, /^\s*"?__proto__"?: (\{|args)/m);
  });
});

describe("type errors in generated code", () => {
  test("are reported with the compiler's whole message, escaped for the terminal", async () => {
    const errors = await typecheckSources(
      new Map([["src/capabilities/x.ts", 'const v = { a: 1 };\nexport const x: { a: string } = v;\nexport const y: "\u202eevil" = "b";\n']]),
    );
    assert.equal(errors.length, 2, JSON.stringify(errors));
    assert.equal(errors[0]!.file, "src/capabilities/x.ts");
    assert.equal(errors[0]!.line, 2);
    assert.match(errors[0]!.message, /Type '\{ a: number; \}' is not assignable to type '\{ a: string; \}'\.\n\s+Types of property 'a' are incompatible/);
    assert.ok(!errors[1]!.message.includes("\u202e"), errors[1]!.message);
    assert.match(errors[1]!.message, /\\u202eevil/);
  });

  test("are found where generated code misuses the runtime it links", async () => {
    const errors = await typecheckSources(
      new Map([
        [
          "src/capabilities/x.ts",
          'import type { TrustedContext } from "synapsor-runner/runtime";\nexport const context: TrustedContext = { tenant: 1 };\n',
        ],
      ]),
    );
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.file, "src/capabilities/x.ts");
    assert.equal(errors[0]!.line, 2);
  });
});
