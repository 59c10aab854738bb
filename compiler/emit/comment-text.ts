// Config and schema text inside the comments of generated code. A reviewer reads these
// comments, so nothing in them may end the comment, start a line of code, or reorder what the
// reviewer sees: plain names stay as they are, anything else becomes escaped JSON.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/**
 * What JSON.stringify leaves alone but a comment must not hold: the line terminators of
 * JavaScript beyond CR and LF, and the bidirectional controls of "Trojan Source" attacks.
 */
const UNSAFE_IN_COMMENTS = /[\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_IN_COMMENTS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A name for a `//` comment: an identifier as it is, anything else quoted. */
export function commentText(value: string): string {
  return IDENTIFIER.test(value) ? value : commentJson(value);
}

/** A file name for a `//` comment: as it is when made of letters, digits, `_`, `.` and `-`, else quoted. */
export function commentFileName(value: string): string {
  return FILE_NAME.test(value) ? value : commentJson(value);
}

/** Any value as JSON for a `//` comment (always quoted when a string). */
export function commentJson(value: unknown): string {
  return escapeUnsafe(JSON.stringify(value) ?? "undefined");
}

/** Text inside a `/** … *\/` comment: it cannot close the comment or start a new line of code. */
export function blockComment(text: string): string {
  return escapeUnsafe(text.replace(/\*\//g, "* /").replace(/[\r\n\u2028\u2029]+/g, " "));
}
