// Text bound for a person's screen (SPEC §9, docs/review.md). Ledger rows, database values, schema
// names, handler replies and the model's arguments are untrusted: an ESC or C1 CSI sequence can
// move the cursor, hide or redraw what a reviewer reads (right above an approval prompt), bidi
// controls reorder it, and invisible characters make two different values look the same.
//
// One notation, the one JSON uses: an unsafe character is shown as its escape (`\u001b`, `\n`,
// `\u202e`; a code point above U+FFFF as its two UTF-16 escapes, `\udb40\udc01`). So what a
// person reads is what `--json` shows for the same value. Everything else (accents, CJK, Arabic,
// emoji, including joined and flag emoji) is left alone.
//
// Two steps, because one function cannot be both idempotent and injective:
// - terminalValue (and terminalName) turn ONE untrusted value into display text. They also double
//   a typed backslash, so the text `\u202e` a model types (shown `\\u202e`) can never read like a
//   real U+202E (shown `\u202e`). Apply them once per value.
// - terminalSafe / terminalSafeLines guard text on its way out: they escape unsafe characters but
//   leave backslashes alone, so applying them again (helpers at several depths, a message escaped
//   where it was built and again where it is printed) changes nothing. A value that skipped
//   terminalValue is still safe for the screen, only no longer unambiguous.

/**
 * Unsafe: controls (C0, DEL, C1), format characters (bidi embeddings, overrides, isolates and
 * marks, zero-width characters, the BOM, the soft hyphen, tag characters), the line and paragraph
 * separators, lone surrogates, and every other default-ignorable code point (variation selectors,
 * Hangul fillers, ...): each either drives the terminal, reorders text or renders as nothing.
 */
export const UNSAFE_CLASS = String.raw`[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]`;
/**
 * Inside an emoji, a few of these characters are part of one visible picture, not hidden text, and
 * stay: a text/emoji presentation selector right after a pictograph (❤️), the keycap selector
 * (1️⃣), a zero-width joiner between pictographs (👩‍👩‍👧, 👩🏽‍💻), and the three tag sequences that are
 * flags (England, Scotland, Wales). Anywhere else the same characters are escaped: a selector
 * after a letter or digit, a joiner at an edge, any other tag run (tags can spell hidden ASCII).
 * (The Unicode property RGI_Emoji would say this exactly, but compiling it costs ~100 ms at every
 * CLI start.)
 */
const EMOJI_PART = [
  String.raw`\u{1F3F4}\u{E0067}\u{E0062}(?:\u{E0065}\u{E006E}\u{E0067}|\u{E0073}\u{E0063}\u{E0074}|\u{E0077}\u{E006C}\u{E0073})\u{E007F}`,
  String.raw`(?<=\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}]?)[\uFE0E\uFE0F]`,
  String.raw`(?<=[0-9#*])\uFE0F(?=\u20E3)`,
  String.raw`(?<=\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}]?\uFE0F?)\u200D(?=\p{Extended_Pictographic})`,
].join("|");
const UNSAFE = new RegExp(`(${EMOJI_PART})|${UNSAFE_CLASS}`, "gu");
const JSON_UNSAFE = new RegExp(UNSAFE_CLASS, "gu");

const SHORT: Readonly<Record<string, string>> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

/** JSON's escape of every UTF-16 unit of one code point. */
export function unicodeEscape(c: string): string {
  let out = "";
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

function escapeUnsafe(keepNewline: boolean) {
  return (match: string, emojiPart: string | undefined): string => {
    if (emojiPart !== undefined) return match;
    if (keepNewline && match === "\n") return match;
    return SHORT[match] ?? unicodeEscape(match);
  };
}

const escapeAll = escapeUnsafe(false);
const escapeAllButNewline = escapeUnsafe(true);

/** Guard one line: every control, bidi, invisible character and lone surrogate escaped, newlines and tabs included. Idempotent. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeAll);
}

/** A multi-line message of the program's own: its line breaks stay, everything else is escaped as by terminalSafe. */
export function terminalSafeLines(text: string): string {
  return text.replace(UNSAFE, escapeAllButNewline);
}

/**
 * One untrusted string as display text: a typed backslash is doubled, then every unsafe character
 * is escaped. Different strings always display differently (read the result as the body of a JSON
 * string to get the value back), so apply it once per value, never to a whole line.
 */
export function terminalValue(text: string): string {
  return terminalSafe(text.replace(/\\/g, "\\\\"));
}

/** A table or column name: plain when it is an identifier, else quoted as JSON with every unsafe character escaped. */
export function terminalName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : terminalSafe(JSON.stringify(name));
}

/**
 * JSON text (from JSON.stringify) made safe for a screen without changing what it means: the C1,
 * bidi and invisible characters JSON.stringify leaves raw inside strings become `\uXXXX` escapes,
 * which every JSON parser reads back as the same string. Its own layout (newlines, indentation)
 * stays; JSON.stringify never leaves any other control raw.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => (c === "\n" || c === "\r" || c === "\t" ? c : unicodeEscape(c)));
}
