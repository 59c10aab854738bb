// The one HTML escaper: a value placed between tags or inside a quoted attribute renders as
// exactly its display text (the CLI's), opens no tag, closes no attribute, starts no entity of
// its own, and reaches the page with no raw control, bidi or invisible character.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { htmlText, htmlValue } from "../../runtime/text/html-safe.ts";
import { terminalValue } from "../../runtime/text/terminal-safe.ts";
import { firstForbidden, hostile } from "../support/hostile-text.ts";

/** Mostly HTML's own characters, so the generator hits the syntax. */
const htmlish = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("<", ">", "&", '"', "'", "`", "=", "/", "#", ";", "x", "s", "\\", " ", "\u202e", "\u0000") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 40,
});
const anyText = fc.oneof(htmlish, hostile);

/** What a browser shows for text made only of the five references htmlText writes. */
function decode(html: string): string {
  return html.replace(/&(amp|lt|gt|quot|#39|#96|#61);/g, (_, name: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#96": "`", "#61": "=" })[name]!);
}

describe("htmlText", () => {
  test("markup, attributes and entities are inert", () => {
    assert.equal(htmlText(`<script>alert("x")</script>`), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    assert.equal(htmlText(`" onmouseover='x'`), "&quot; onmouseover&#61;&#39;x&#39;");
    assert.equal(htmlText("&#x202E;"), "&amp;#x202E;");
  });

  test("control and bidi characters are shown as their escapes, as the terminal shows them", () => {
    assert.equal(htmlText("a\u202eb\u0000c\nd"), "a\\u202eb\\u0000c\\nd");
    assert.equal(htmlText("\\u202e"), "\\\\u202e", "a typed escape never reads like the real character");
    assert.equal(htmlText("café 東京 👩‍👩‍👧"), "café 東京 👩‍👩‍👧");
  });

  test("property: no raw HTML syntax, no forbidden character, only the references it writes", () => {
    fc.assert(fc.property(anyText, (text) => {
      const html = htmlText(text);
      assert.equal(/[<>"'`=]/.test(html), false, html);
      assert.equal(firstForbidden(html), undefined, html);
      // Every '&' starts one of the references htmlText writes.
      assert.equal(html.replace(/&(amp|lt|gt|quot|#39|#96|#61);/g, "").includes("&"), false, html);
    }), { seed: 4411, numRuns: 2000 });
  });

  test("property: the page reads exactly as the terminal does, and different values never read alike", () => {
    fc.assert(fc.property(anyText, (text) => decode(htmlText(text)) === terminalValue(text)), { seed: 4412, numRuns: 2000 });
    fc.assert(fc.property(anyText, anyText, (a, b) => a === b || htmlText(a) !== htmlText(b)), { seed: 4413, numRuns: 2000 });
  });
});

describe("htmlValue", () => {
  test("non-strings are shown as JSON, escaped the same way; undefined as a dash", () => {
    assert.equal(htmlValue(2500), "2500");
    assert.equal(htmlValue(null), "null");
    assert.equal(htmlValue({ a: "<b>" }), "{&quot;a&quot;:&quot;&lt;b&gt;&quot;}");
    assert.equal(htmlValue(undefined), "—");
  });
});
