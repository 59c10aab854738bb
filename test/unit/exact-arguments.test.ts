// Arguments fitted to the column they feed (compiler/plan/arguments.ts), compiled into the same
// standalone validator the server ships (compiler/emit/validators.ts), and checked by the runtime
// (runtime/calls/arguments.ts): the three must agree on what is accepted.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compileValidator } from "../../compiler/emit/validators.ts";
import { checkArguments } from "../../runtime/calls/arguments.ts";
import type { ArgsValidator } from "../../runtime/capability.ts";
import { column, planCase, table } from "../support/plan-fixtures.ts";

const ACCOUNTS = (idType: string, amountType = "numeric(12,2)") =>
  table("public", "accounts", ["id"], [column("id", idType), column("tenant_id", "text"), column("amount", amountType), column("note", "text", true)]);

function proposal(args: Record<string, unknown>, patch: Record<string, unknown> = { amount: { from_arg: "amount" } }) {
  return {
    name: "acct.propose_amount",
    kind: "proposal",
    description: "Propose an amount.",
    source: "app",
    target: { schema: "public", table: "accounts", primary_key: "id", tenant_key: "tenant_id" },
    args,
    lookup: { id_from_arg: "id" },
    visible_columns: ["id", "amount"],
    max_rows: 1,
    patch,
    allowed_columns: ["amount", "note"],
    approval: { mode: "human" },
    executor: "writer",
  };
}

async function compiled(engine: "postgres" | "mysql", idType: string, args: Record<string, unknown>, amountType?: string) {
  const patch = { amount: { from_arg: "amount" }, ...("note" in args ? { note: { from_arg: "note" } } : {}) };
  const planned = planCase({ engine, capability: proposal(args, patch), tables: [ACCOUNTS(idType, amountType)] });
  assert.ok(planned.ok, planned.ok ? "" : JSON.stringify(planned.diagnostics));
  const schema = planned.capability.inputSchema;
  const code = compileValidator(schema);
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
  const validate = mod.validate as ArgsValidator;
  return { schema, check: (a: Record<string, unknown>) => checkArguments(validate, schema, a) };
}

const accepted = (r: ReturnType<typeof checkArguments>) => r.ok;
const message = (r: ReturnType<typeof checkArguments>) => (r.ok ? "" : r.failure.error.message);

describe("an integer argument on a bigint key", () => {
  test("signed: JSON integers within ±(2^53−1), canonical text within the 64-bit range", async () => {
    const { schema, check } = await compiled("postgres", "bigint", { id: { type: "integer", required: true }, amount: { type: "string", required: true } });
    assert.deepEqual((schema.properties as any).id.anyOf[1], { type: "string", pattern: "^(0|-?[1-9][0-9]{0,18})$", format: "int64" });
    for (const id of [0, -5, 9007199254740991, -9007199254740991, "9007199254740993", "-9223372036854775808", "9223372036854775807"]) {
      assert.equal(accepted(check({ id, amount: "1" })), true, String(id));
    }
    for (const id of [9007199254740992, -9007199254740992, 1.5, "9223372036854775808", "-9223372036854775809", "1abc", " 1", "1e0", "01", "+1", "-0", "0x1", "", true, null]) {
      const r = check({ id, amount: "1" });
      assert.equal(accepted(r), false, String(id));
      assert.match(message(r), /^Argument 'id' must be a whole number from -9223372036854775808 to 9223372036854775807: a JSON integer from -9007199254740991 to 9007199254740991/);
    }
  });

  test("unsigned (MySQL): no minus sign, up to 2^64−1", async () => {
    const { schema, check } = await compiled("mysql", "bigint(20) unsigned", { id: { type: "integer", required: true }, amount: { type: "string", required: true } });
    assert.equal((schema.properties as any).id.anyOf[1].format, "uint64");
    assert.equal(accepted(check({ id: "18446744073709551615", amount: "1" })), true);
    assert.equal(accepted(check({ id: "18446744073709551616", amount: "1" })), false);
    assert.equal(accepted(check({ id: "-1", amount: "1" })), false);
  });

  test("the author's bounds hold for the text form too, exactly", async () => {
    // 2^53+2: a bound past the exact range that a JSON number still holds exactly.
    const { check } = await compiled("postgres", "bigint", { id: { type: "integer", required: true, minimum: 1, maximum: 9007199254740994 }, amount: { type: "string", required: true } });
    assert.equal(accepted(check({ id: "9007199254740994", amount: "1" })), true);
    assert.equal(accepted(check({ id: "9007199254740995", amount: "1" })), false);
    assert.equal(accepted(check({ id: "0", amount: "1" })), false);
    assert.equal(accepted(check({ id: 0, amount: "1" })), false);
  });

  test("the message states the effective ranges: an author minimum of 0 allows no '-' and no negative JSON integer", async () => {
    const { check } = await compiled("postgres", "bigint", { id: { type: "integer", required: true, minimum: 0 }, amount: { type: "string", required: true } });
    const text = message(check({ id: "-1", amount: "1" }));
    assert.match(text, /^Argument 'id' must be a whole number from 0 to 9223372036854775807: a JSON integer from 0 to 9007199254740991 /);
    assert.doesNotMatch(text, /-9007199254740991|leading '-'/);
  });

  test("bounds the author set within the exact range need no text form", async () => {
    const { schema } = await compiled("postgres", "bigint", { id: { type: "integer", required: true, minimum: 1, maximum: 1000 }, amount: { type: "string", required: true } });
    assert.deepEqual((schema.properties as any).id, { type: "integer", minimum: 1, maximum: 1000 });
  });

  test("a plain integer key is unchanged", async () => {
    const { schema } = await compiled("postgres", "integer", { id: { type: "integer", required: true }, amount: { type: "string", required: true } });
    assert.deepEqual((schema.properties as any).id, { type: "integer" });
  });
});

describe("a string argument on a numeric column", () => {
  test("decimal text is canonical and fits the column's precision and scale", async () => {
    const { check } = await compiled("postgres", "text", { id: { type: "string", required: true }, amount: { type: "string", required: true } });
    for (const amount of ["0", "12.5", "-12.50", "9999999999.99"]) assert.equal(accepted(check({ id: "a", amount })), true, amount);
    for (const amount of ["12.505", "10000000000", "1e2", " 1", "01", "+1", ".5", "5.", "", "0x10", "Infinity"]) {
      const r = check({ id: "a", amount });
      assert.equal(accepted(r), false, amount);
      assert.match(message(r), /^Argument 'amount' must be a decimal number written as a string of digits/);
    }
  });

  test("an unsigned decimal column (MySQL) takes no negative text", async () => {
    const { check } = await compiled("mysql", "varchar(64)", { id: { type: "string", required: true }, amount: { type: "string", required: true } }, "decimal(10,2) unsigned");
    assert.equal(accepted(check({ id: "a", amount: "12.50" })), true);
    for (const amount of ["-12.50", "-0"]) assert.equal(accepted(check({ id: "a", amount })), false, amount);
  });

  test("an unconstrained numeric takes any canonical decimal", async () => {
    const { schema, check } = await compiled("postgres", "text", { id: { type: "string", required: true }, amount: { type: "string", required: true } }, "numeric");
    assert.equal((schema.properties as any).amount.pattern, "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$");
    assert.equal(accepted(check({ id: "a", amount: "100.000000000000000001" })), true);
  });

  test("property: the text form is accepted exactly when it is a canonical integer inside the signed 64-bit range", async () => {
    const { check } = await compiled("postgres", "bigint", { id: { type: "string", required: true }, amount: { type: "string", required: true } });
    const near = fc.oneof(
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
      fc.constantFrom("9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809"),
      fc.string({ unit: fc.constantFrom("0", "1", "9", "-", "+", " ", "e", ".", "x"), maxLength: 21 }),
    );
    fc.assert(
      fc.property(near, (id) => {
        const canonical = /^(0|-?[1-9][0-9]*)$/.test(id) && BigInt(id) >= -(2n ** 63n) && BigInt(id) < 2n ** 63n;
        return accepted(check({ id, amount: "1" })) === canonical;
      }),
      { seed: 53, numRuns: 1500 },
    );
  });
});

describe("characters and names", () => {
  test("control, bidi and lone surrogate characters are refused in any string argument; tab, LF and CR are not", async () => {
    const { check } = await compiled("postgres", "text", { id: { type: "string", required: true }, amount: { type: "string", required: true }, note: { type: "string", required: true } });
    for (const note of ["\u0000", "\u0001", "\u000b", "\u001b[2J", "\u007f", "\u0085", "\u009b", "\u202a", "\u202e", "\u2066", "\u2069", "\ud800", "a\udc00b"]) {
      assert.equal(accepted(check({ id: "a", amount: "1", note })), false, JSON.stringify(note));
    }
    for (const note of ["a\tb\nc\r\n", "émoji 😀", "\u200b", "العربية"]) assert.equal(accepted(check({ id: "a", amount: "1", note })), true, JSON.stringify(note));
  });

  test("an unknown argument name is echoed cut to 64 characters and escaped", async () => {
    const { check } = await compiled("postgres", "text", { id: { type: "string", required: true }, amount: { type: "string", required: true } });
    const r = check({ id: "a", amount: "1", ["\u001b\u202e" + "z".repeat(100_000)]: 1 });
    assert.equal(message(r), `Unknown argument '\\u001b\\u202e${"z".repeat(62)}…'; this tool accepts only: id, amount.`);
  });
});
