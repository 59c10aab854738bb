// Text bound for a person's terminal (SPEC §9). Ledger rows, database values, handler replies and
// the model's arguments are untrusted: an ESC or C1 CSI sequence can move the cursor, hide or
// redraw what a reviewer reads (right above an approval prompt), and bidi controls reorder it.
// Those characters are shown as the escapes JSON uses (`\u001b`, `\n`), the notation `--json`
// output already shows the same value in; everything else (accents, CJK, emoji) is left alone.
// Backslashes are not doubled, so escaping twice changes nothing: helpers at several depths may
// each make sure, and a message escaped where it was built can be escaped again where it is printed.

// C0, DEL and C1 controls; the Arabic letter mark, LRM and RLM; the line and paragraph
// separators with the bidi embeddings and overrides (U+2028–U+202E); the bidi isolates; and,
// with the `u` flag, only lone surrogates (a well-formed pair is one code point above U+FFFF).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/gu;
/** The same set less the line feed, for text whose line breaks are the program's own. */
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/gu;

const SHORT: Readonly<Record<string, string>> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

function escape(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** One value or one line: every control, bidi control and lone surrogate escaped, newlines and tabs included. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** A multi-line message of the program's own: its line breaks stay, everything else is escaped as by terminalSafe. */
export function terminalSafeLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}

/** A table or column name: plain when it is an identifier, else quoted as JSON with every unsafe character escaped. */
export function terminalName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : terminalSafe(JSON.stringify(name));
}
