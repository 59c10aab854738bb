// The one Markdown escaper: display text placed in prose, a table cell, a code span or a fenced
// block renders as exactly that text and creates no structure (link, HTML, entity, emphasis,
// code span, cell, fence), whatever it holds.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { markdownCode, markdownCodeBlock, markdownText } from "../../runtime/text/markdown-safe.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { firstForbidden, hostile } from "../support/hostile-text.ts";

/** Mostly Markdown's own characters, so the generator hits the syntax. */
const markdownish = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("\\", "`", "*", "_", "[", "]", "(", ")", "<", ">", "&", "#", "~", "|", "$", "!", " ", "a", "1", ":", "/", ";", "\n") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 40,
});
const anyText = fc.oneof(markdownish, hostile);

const ACTIVE = new Set(["\\", "`", "*", "_", "[", "]", "<", ">", "&", "~", "|", "$", "@", "#"]);

/** CommonMark's reading of backslash escapes: `\` before ASCII punctuation is that punctuation; any active character not so escaped is returned. */
function unescape(markdown: string): { text: string; bare: string[] } {
  let text = "";
  const bare: string[] = [];
  for (let i = 0; i < markdown.length; i++) {
    const c = markdown[i]!;
    if (c === "\\" && /[!-/:-@[-`{-~]/.test(markdown[i + 1] ?? "")) {
      text += markdown[++i];
      continue;
    }
    const inertUnderscore = c === "_" && /[A-Za-z0-9]/.test(markdown[i - 1] ?? "") && /[A-Za-z0-9]/.test(markdown[i + 1] ?? "");
    if (ACTIVE.has(c) && !inertUnderscore) bare.push(c);
    text += c;
  }
  return { text, bare };
}

describe("markdownText", () => {
  test("links, HTML, entities, emphasis, code, strikethrough, cells and math are all escaped", () => {
    assert.equal(
      markdownText("[ok](https://x) <img src=x> &#x202E; `c` **b** ~~s~~ | $m$ \\"),
      "\\[ok\\](https\\://x) \\<img src=x\\> \\&\\#x202E; \\`c\\` \\*\\*b\\*\\* \\~\\~s\\~\\~ \\| \\$m\\$ \\\\",
    );
    assert.equal(markdownText("tenant_id _x_ a__b"), "tenant_id \\_x\\_ a\\_\\_b");
  });

  test("URLs, www. addresses, e-mails, mentions and issue references do not autolink", () => {
    assert.equal(markdownText("open https://evil.example/approve now"), "open https\\://evil.example/approve now");
    assert.equal(markdownText("see www.x.example or WWW.Y.example, not awww.z"), "see www\\.x.example or WWW\\.Y.example, not awww.z");
    assert.equal(markdownText("ping @security-team about #123, mail a@b.example"), "ping \\@security-team about \\#123, mail a\\@b.example");
    assert.equal(markdownText("ftp://h and mailto:x"), "ftp\\://h and mailto:x", "a ':' not before '//' stays bare");
    fc.assert(fc.property(anyText, (text) => {
      const md = markdownText(text);
      return !/:\/\//.test(md) && !/(^|[^A-Za-z0-9])www\./i.test(md);
    }), { seed: 7103, numRuns: 1000 });
  });

  test("it renders as exactly the guarded text, with no active character left bare", () => {
    fc.assert(fc.property(anyText, (text) => {
      const md = markdownText(text);
      const read = unescape(md);
      return read.text === terminalSafe(text) && read.bare.length === 0 && firstForbidden(md) === undefined && !md.includes("\n");
    }), { seed: 7101, numRuns: 1000 });
  });

  test("different display text stays different once rendered", () => {
    fc.assert(fc.property(anyText, anyText, (a, b) => terminalSafe(a) === terminalSafe(b) || unescape(markdownText(a)).text !== unescape(markdownText(b)).text),
      { seed: 7102, numRuns: 500 });
  });
});

describe("markdownCode", () => {
  test("the fence is longer than any backtick run inside, padded when the text touches a backtick or space", () => {
    assert.equal(markdownCode("acme"), "`acme`");
    assert.equal(markdownCode("a`b"), "``a`b``");
    assert.equal(markdownCode("`x"), "`` `x ``");
    assert.equal(markdownCode("a ``` b"), "````a ``` b````");
    assert.equal(markdownCode(""), "` `");
  });

  test("the span closes only at its own fence and holds exactly the guarded text", () => {
    fc.assert(fc.property(anyText, (text) => {
      const span = markdownCode(text);
      const fence = /^`+/.exec(span)![0];
      let body = span.slice(fence.length, span.length - fence.length);
      if (body.length >= 2 && body.startsWith(" ") && body.endsWith(" ") && body.trim() !== "") body = body.slice(1, -1);
      // CommonMark: a code span ends at the first backtick run of exactly the fence's length.
      const runs = body.match(/`+/g) ?? [];
      return span.endsWith(fence) && runs.every((r) => r.length !== fence.length) && body === terminalSafe(text) || (text === "" && body === " ");
    }), { seed: 7103, numRuns: 1000 });
  });
});

describe("markdownCodeBlock", () => {
  test("no line inside can close the fence, and every line is guarded", () => {
    fc.assert(fc.property(fc.array(anyText, { maxLength: 5 }), (parts) => {
      const block = markdownCodeBlock("json", parts.join("\n"));
      const fence = /^`+/.exec(block[0]!)![0];
      const inside = block.slice(1, -1);
      return block.at(-1) === fence && fence.length >= 3 &&
        inside.every((line) => !new RegExp(`^ {0,3}\`{${fence.length},}`).test(line) && firstForbidden(line) === undefined);
    }), { seed: 7104, numRuns: 500 });
  });
});
