// The one escaper for text bound for a terminal: which characters it escapes, how they read,
// and that everything a person should see as typed passes unchanged.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { firstForbidden, forbidden, hostile } from "../support/hostile-text.ts";
import { terminalName, terminalSafe, terminalSafeJson, terminalSafeLines, terminalValue } from "../../runtime/text/terminal-safe.ts";
import { formatDiff, formatEvent, showValue, table, targetLabel } from "../../operator/review/format.ts";

describe("terminalSafe", () => {
  test("each class is shown as its JSON escape", () => {
    const cases: Array<[string, string]> = [
      ["\u0000", "\\u0000"],
      ["\u001b[1A\u001b[2K", "\\u001b[1A\\u001b[2K"],
      ["\u001b[8m", "\\u001b[8m"],
      ["a\nb\tc\rd\be\ff", "a\\nb\\tc\\rd\\be\\ff"],
      ["\u007f", "\\u007f"],
      ["\u0080\u0085\u009b2J\u009f", "\\u0080\\u0085\\u009b2J\\u009f"],
      ["\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"],
      ["\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"],
      ["\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"],
      ["\u2028\u2029", "\\u2028\\u2029"],
      ["x\ud800y\udfffz", "x\\ud800y\\udfffz"],
    ];
    for (const [input, shown] of cases) assert.equal(terminalSafe(input), shown, JSON.stringify(input));
  });

  test("invisible formatting characters are shown too, as their escapes", () => {
    const cases: Array<[string, string]> = [
      ["wai\u200bved", "wai\\u200bved"],
      ["a\u200cb\u200dc", "a\\u200cb\\u200dc"],
      ["a\u2060b\u2061c\u2062d\u2063e\u2064f", "a\\u2060b\\u2061c\\u2062d\\u2063e\\u2064f"],
      ["\ufeffBOM", "\\ufeffBOM"],
      ["soft\u00adhyphen", "soft\\u00adhyphen"],
      ["tag\u{e0041}\u{e007f}", "tag\\udb40\\udc41\\udb40\\udc7f"],
      ["a\ufe0fb\u{e0100}c", "a\\ufe0fb\\udb40\\udd00c"],
      ["\u180e\u3164\u115f\u034f", "\\u180e\\u3164\\u115f\\u034f"],
      ["\u206a\ufff9", "\\u206a\\ufff9"],
    ];
    for (const [input, shown] of cases) assert.equal(terminalSafe(input), shown, JSON.stringify(input));
  });

  test("an emoji stays whole; the same joiner, selector or tag elsewhere is escaped", () => {
    for (const emoji of ["👩\u200d👩\u200d👧", "❤\ufe0f", "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}", "👍🏽", "1\ufe0f\u20e3", "👩🏽\u200d💻", "🏳\ufe0f\u200d🌈"]) {
      assert.equal(terminalSafe(`x ${emoji} y`), `x ${emoji} y`);
    }
    assert.equal(terminalSafe("a\u200db"), "a\\u200db");
    assert.equal(terminalSafe("👩\u200d"), "👩\\u200d");
    assert.equal(terminalSafe("x\ufe0f"), "x\\ufe0f");
    assert.equal(terminalSafe("1\ufe0f0"), "1\\ufe0f0", "a selector after a digit hides in a number");
    assert.equal(terminalSafe("❤\ufe0f\ufe0f"), "❤\ufe0f\\ufe0f");
    assert.equal(terminalSafe("x\ufe0f\u200d👩"), "x\\ufe0f\\u200d👩");
    // Tags after a black flag spell hidden ASCII unless they are one of the three flag sequences.
    assert.equal(terminalSafe("🏴\u{e0061}\u{e0070}\u{e0070}\u{e007f}"), "🏴\\udb40\\udc61\\udb40\\udc70\\udb40\\udc70\\udb40\\udc7f");
  });

  test("accents, CJK, emoji (joined and flagged), Arabic and Hebrew letters pass unchanged", () => {
    for (const text of ["Zoë Ångström", "請求書 INV-3001", "😀 👩‍👩‍👧 🇫🇷", "فاتورة", "חשבונית", "€ — “quoted” ½", "back\\slash \\u001b typed"]) {
      assert.equal(terminalSafe(text), text);
    }
  });

  test("no forbidden code point survives, whatever the input", () => {
    fc.assert(fc.property(hostile, (text) => firstForbidden(terminalSafe(text)) === undefined), { seed: 7001, numRuns: 500 });
  });

  test("printable text passes unchanged", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (text) => {
      fc.pre(firstForbidden(text) === undefined);
      return terminalSafe(text) === text;
    }));
  });

  test("escaping twice changes nothing, so helpers at several depths may each guard", () => {
    fc.assert(fc.property(hostile, (text) => terminalSafe(terminalSafe(text)) === terminalSafe(text)), { seed: 7002, numRuns: 500 });
  });

  test("a reader can reverse it: without a typed backslash, the output is the body of a JSON string of the input", () => {
    fc.assert(fc.property(hostile, (text) => {
      fc.pre(!text.includes("\\"));
      return JSON.parse(`"${terminalSafe(text).replace(/"/g, '\\"')}"`) === text;
    }));
  });
});

describe("terminalValue: one value, unambiguous", () => {
  test("a typed \\u202e never reads like a real U+202E, nor a typed \\n like a line feed", () => {
    assert.equal(terminalValue("\u202e"), "\\u202e");
    assert.equal(terminalValue("\\u202e"), "\\\\u202e");
    assert.notEqual(terminalValue("\\u202e"), terminalValue("\u202e"));
    assert.notEqual(terminalValue("a\\nb"), terminalValue("a\nb"));
    assert.equal(terminalValue("C:\\temp"), "C:\\\\temp");
    assert.equal(terminalValue("Zoë 請求書 👩\u200d👩\u200d👧"), "Zoë 請求書 👩\u200d👩\u200d👧");
  });

  test("reversible, so injective: the output is the body of a JSON string of the input", () => {
    fc.assert(fc.property(hostile, (text) => {
      const shown = terminalValue(text);
      return firstForbidden(shown) === undefined && JSON.parse(`"${shown.replace(/"/g, '\\"')}"`) === text;
    }), { seed: 7003, numRuns: 1000 });
  });

  test("different values never display alike", () => {
    fc.assert(fc.property(hostile, hostile, (a, b) => a === b || terminalValue(a) !== terminalValue(b)), { seed: 7004, numRuns: 1000 });
  });

  test("terminalName quotes an unusual name, so it cannot pass for a plain one", () => {
    assert.equal(terminalName("tenant_id"), "tenant_id");
    assert.equal(terminalName("tenant_id\u200b"), '"tenant_id\\u200b"');
    assert.equal(terminalName("a\\u202e"), '"a\\\\u202e"');
    assert.notEqual(terminalName("a\\u202e"), terminalName("a\u202e"));
  });
});

describe("terminalSafeJson", () => {
  test("the same JSON value, with no raw C1, bidi or invisible character", () => {
    fc.assert(fc.property(hostile, (text) => {
      const json = terminalSafeJson(JSON.stringify({ v: text }, null, 2));
      return [...json].every((c) => c === "\n" || !forbidden(c.codePointAt(0)!)) && JSON.parse(json).v === text;
    }), { seed: 7005, numRuns: 1000 });
  });
});

describe("terminalSafeLines", () => {
  test("keeps the message's line breaks and escapes everything else", () => {
    assert.equal(terminalSafeLines("line one \u001b[2J\nline two\r\u009b"), "line one \\u001b[2J\nline two\\r\\u009b");
    fc.assert(fc.property(hostile, (text) => {
      const out = terminalSafeLines(text);
      return out.split("\n").length === text.split("\n").length && firstForbidden(out.replace(/\n/g, "")) === undefined;
    }));
  });
});

describe("the review formatters escape what they print", () => {
  test("showValue escapes strings and JSON alike (JSON.stringify leaves C1 and bidi alone)", () => {
    assert.equal(showValue("open\u001b[8m"), "open\\u001b[8m");
    assert.equal(showValue({ note: "\u009b2J\u202e" }), '{"note":"\\u009b2J\\u202e"}');
    assert.equal(showValue(12), "12");
  });

  test("a cell cannot break its row, and the NOT VERIFIED column stays on the line", () => {
    const out = table(["ID", "SEAL"], [["INV-\u001b[8m9\nforged row", "NOT VERIFIED"]], "");
    assert.equal(out.split("\n").length, 4, out);
    assert.match(out.split("\n")[2]!, /^INV-\\u001b\[8m9\\nforged row +NOT VERIFIED$/);
  });

  test("labels, diffs and events carry no raw control", () => {
    const target = { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV\u202e1003" } };
    assert.equal(targetLabel(target), "public.invoices id=INV\\u202e1003");
    const diff = formatDiff([{ column: "waiver_reason", before: "\u009b2J", proposed: "\u001b[1A\u001b[2Kok" }]);
    assert.equal(firstForbidden(diff.replace(/\n/g, "")), undefined);
    assert.match(diff, /waiver_reason\s+\\u009b2J\s+\\u001b\[1A\\u001b\[2Kok/);
    const event = formatEvent({ id: 3, type: "proposal_rejected", proposalId: "wrp_1", tenantId: "acme\n", detail: { reason: "x\u001b]0;title\u0007" }, createdAt: "t" } as never);
    assert.equal(event, "t #3 proposal_rejected wrp_1 tenant=acme\\n reason=x\\u001b]0;title\\u0007\n");
  });
});
