// Config and schema text inside the comments of generated code. A reviewer reads these
// comments, so nothing in them may end the comment, start a line of code, or reorder what the
// reviewer sees: plain names stay as they are, anything else becomes escaped JSON. Everything
// here returns `CommentText`, which templates place only inside `//` or `/** */` comments.

import { escapeInvisible } from "./code-literal.ts";

declare const COMMENT_TEXT: unique symbol;
/** Text safe inside a `//` line comment or a `/** … *\/` block: no line terminator, no `*\/`, nothing invisible. */
export type CommentText = string & { readonly [COMMENT_TEXT]: true };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOKEN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A name for a comment: an identifier as it is, anything else quoted. */
export function commentText(value: string): CommentText {
  return IDENTIFIER.test(value) ? (value as CommentText) : commentJson(value);
}

/** A plain token for a comment (a file name, a version, a dotted capability name): as it is when made of letters, digits, `_`, `.` and `-`, else quoted. */
export function commentToken(value: string): CommentText {
  return TOKEN.test(value) ? (value as CommentText) : commentJson(value);
}

/**
 * Any value as JSON for a comment (always quoted when a string). JSON escapes CR and LF,
 * escapeInvisible the other line terminators, and `*\/` is written `*\\/` (the same JSON value),
 * so the text is safe in a block comment too.
 */
export function commentJson(value: unknown): CommentText {
  return escapeInvisible(JSON.stringify(value) ?? "undefined").replace(/\*\//g, "*\\/") as CommentText;
}

/** Free text (a description, a column type) for a comment: line breaks become spaces, `*\/` cannot close it. */
export function blockComment(text: string): CommentText {
  return escapeInvisible(String(text).replace(/\r\n|[\r\n\u2028\u2029]/g, " ")).replace(/\*\//g, "* /") as CommentText;
}

/**
 * Composes a comment line from the generator's own words and encoded pieces; every
 * interpolated part must already be `CommentText` (numbers are plain digits).
 */
export function comment(strings: TemplateStringsArray, ...parts: Array<CommentText | number>): CommentText {
  return strings.reduce((out, s, i) => out + s + (i < parts.length ? String(parts[i]) : ""), "") as CommentText;
}

/** Joins encoded comment pieces. */
export function joinComment(parts: readonly CommentText[], separator: string): CommentText {
  return parts.join(separator) as CommentText;
}

/**
 * The fixed comment every planned SQL statement starts with, naming its capability, so a DBA sees
 * in pg_stat_activity, pg_stat_statements, the processlist and slow logs which capability ran a
 * statement. It is planned once at build time (a per-request comment would make every call a new
 * statement text and defeat prepared statements).
 *
 * A contract name is `namespace.verb_object` (lowercase letters, digits, `_`, one dot), which
 * passes through unchanged. Anything else is percent-encoded byte by byte (UTF-8), leaving only
 * letters, digits, `_`, `.` and `%`: no `*\/` or `/*` (Postgres nests block comments), no line
 * break or control character, no `?` or `$1` a driver might count as a placeholder, no quote,
 * and no `!` or `+` after the opening `/*` (MySQL's executable comments and optimizer hints).
 */
export function sqlStatementComment(capabilityName: string): string {
  const encoded = Array.from(new TextEncoder().encode(capabilityName), (byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9_.]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
  return `/* synapsor:${encoded} */`;
}
