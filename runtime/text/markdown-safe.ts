// Text bound for a Markdown document a person will render (the replay export, a ticket, an
// incident review; docs/review.md). Values are untrusted, so besides the terminal's rule (no raw
// control, bidi or invisible character: terminalSafe) they must not create Markdown structure: a
// link whose text says "approved", raw HTML, an entity such as `&#x202E;` that renders as the very
// bidi override the terminal rule escapes, emphasis, a code span or fence that closes early, or a
// pipe that adds a table cell. Each value is rendered by the caller to display text first
// (terminalValue, terminalName, or showValue in operator/review/format.ts), so the rendered
// Markdown reads exactly as the terminal does; these functions only place that text.
//
// Values never start a line here (every line begins with the program's own words or `|`), so the
// line-start syntax (headings, lists, quotes, thematic breaks) needs no escape.

import { terminalSafe } from "./terminal-safe.ts";

/**
 * ASCII characters that start or close inline Markdown (CommonMark and GitHub's extensions):
 * escapes, code spans, emphasis, links and images, HTML and autolinks, entities, strikethrough,
 * table cells, math, and GitHub's e-mail autolinks, @mentions and #references. Also the ':' of
 * "://" and the '.' of a word-initial "www.", which GFM's extended autolinks start from. A
 * backslash before ASCII punctuation is always a literal in CommonMark, so each still reads as itself.
 */
const INLINE_SYNTAX = /[\\`*_[\]<>&~|$@#]|:(?=\/\/)|(?<=(?:^|[^A-Za-z0-9])www)\./gi;

/** Display text as inline Markdown or a table cell: it renders as exactly this text and creates no structure. */
export function markdownText(shown: string): string {
  return terminalSafe(shown).replace(INLINE_SYNTAX, (c, at: number, text: string) =>
    c === "_" && INERT_UNDERSCORE.test(text[at - 1] ?? "") && INERT_UNDERSCORE.test(text[at + 1] ?? "") ? c : `\\${c}`);
}

/** An underscore between two ASCII letters or digits can neither open nor close emphasis (CommonMark's flanking rules), so `tenant_id` stays readable. */
const INERT_UNDERSCORE = /^[A-Za-z0-9]$/;

/**
 * Display text as a code span. Inside one nothing is interpreted, so only the fence matters: it is
 * one backtick longer than the longest run in the text, padded when the text starts or ends with a
 * backtick or space (an empty text is one space). Not for table cells (GitHub splits cells on `|` even in code): use markdownText.
 */
export function markdownCode(shown: string): string {
  const text = terminalSafe(shown);
  const fence = "`".repeat(longestBacktickRun(text) + 1);
  if (text === "") return "` `";
  // CommonMark strips one space from each end of a span that has non-space content, so pad then.
  const pad = /^[` ]|[` ]$/.test(text) && text.trim() !== "" ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced block (e.g. JSON) whose fence no line of the text can close; every line guarded. */
export function markdownCodeBlock(info: string, text: string): string[] {
  const lines = text.split("\n").map(terminalSafe);
  const fence = "`".repeat(Math.max(3, ...lines.map(longestBacktickRun).map((n) => n + 1)));
  return [`${fence}${info}`, ...lines, fence];
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}
