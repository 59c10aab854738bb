// The one escaper for text bound for a terminal: which characters it escapes, how they read,
// and that everything a person should see as typed passes unchanged.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { terminalSafe, terminalSafeLines } from "../../runtime/text/terminal-safe.ts";
import { formatDiff, formatEvent, showValue, table, targetLabel } from "../../operator/review/format.ts";

/** The forbidden set, written out independently of the module's regular expression. */
function forbidden(codePoint: number): boolean {
  return (
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x061c ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x2028 && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069) ||
    (codePoint >= 0xd800 && codePoint <= 0xdfff) // for...of yields a lone surrogate as its own code point
  );
}

const firstForbidden = (text: string) => [...text].find((c) => forbidden(c.codePointAt(0)!));

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n));
const listed = fc.constantFrom("\u001b", "\u009b", "\u0085", "\u007f", "\u0000", "\n", "\r", "\t", "\u202e", "\u2066", "\u200f", "\u061c", "\u2028", "\u2029");
/** Any code point, lone surrogates and the listed controls, mixed. */
const hostile = fc.string({ unit: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), loneSurrogate, listed), maxLength: 40 });

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

  test("accents, CJK, emoji (joined and flagged), Arabic and Hebrew letters pass unchanged", () => {
    for (const text of ["Zoë Ångström", "請求書 INV-3001", "😀 👩‍👩‍👧 🇫🇷", "فاتورة", "חשבונית", "€ — “quoted” ½", "back\\slash \\u001b typed"]) {
      assert.equal(terminalSafe(text), text);
    }
  });

  test("no forbidden code point survives, whatever the input", () => {
    fc.assert(fc.property(hostile, (text) => firstForbidden(terminalSafe(text)) === undefined));
  });

  test("printable text passes unchanged", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), (text) => {
      fc.pre(firstForbidden(text) === undefined);
      return terminalSafe(text) === text;
    }));
  });

  test("escaping twice changes nothing, so helpers at several depths may each escape", () => {
    fc.assert(fc.property(hostile, (text) => terminalSafe(terminalSafe(text)) === terminalSafe(text)));
  });

  test("a reader can reverse it: without a typed backslash, the output is the body of a JSON string of the input", () => {
    fc.assert(fc.property(hostile, (text) => {
      fc.pre(!text.includes("\\"));
      return JSON.parse(`"${terminalSafe(text).replace(/"/g, '\\"')}"`) === text;
    }));
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
