// Arbitrary hostile schema and config text for property tests of generated code: names and
// type texts made of the pieces that could end a string, a template, a comment or a line, hide
// or reorder characters, or smuggle a statement, mixed with ordinary text and any code point.

import fc from "fast-check";

const PIECES = [
  '"', "'", "`", "\\", "\n", "\r\n", "\r", "\u2028", "\u2029", "*/", "/*", "//", "${", "}", "</script>",
  "\u202e", "\u2066", "\u2069", "\u200f", "\u061c", "\u200b", "\ufeff", "\u0085", "\u009b", "\u001b[2J",
  "😀", "\ud835\udd4f", "\u{E0041}", "\u{E007F}", "\ufe0f", "\u{E0100}", "\u3164", "\u034f", "\u115f", "process.exit(7)", ";", "__proto__", "constructor", " ", "-", "é", "$",
];

/** One non-empty name: hostile pieces, plain words and arbitrary code points (NUL and lone surrogates included). */
export const hostileText: fc.Arbitrary<string> = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PIECES) }, fc.string({ unit: "binary", minLength: 1, maxLength: 3 }), fc.constantFrom("id", "name", "x")), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(""));
