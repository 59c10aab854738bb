// Text bound for an HTML page a person reads (the review console, operator/console/). Values are
// untrusted: besides HTML's own rule (no value may open a tag, close an attribute or start an
// entity), the terminal's rule applies too, because a browser renders a bidi override or a
// zero-width character exactly as a terminal does: it reorders or hides what the reviewer reads.
// So a value is first rendered to display text by terminalValue (visible JSON-style escapes, a
// typed backslash doubled: different values never read alike, and the page reads as the CLI
// does), then its HTML-significant characters become character references.

import { terminalValue } from "./terminal-safe.ts";

const HTML_SIGNIFICANT = /[&<>"'`=]/g;
const REFERENCE: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;", "=": "&#61;" };

/**
 * One untrusted string as HTML text, safe both between tags and inside a quoted attribute value.
 * Apply it once per value: it is injective (decode the references and read the result as the body
 * of a JSON string to get the value back), not idempotent.
 */
export function htmlText(value: string): string {
  return terminalValue(value).replace(HTML_SIGNIFICANT, (c) => REFERENCE[c]!);
}

/** Any value as HTML text: a string through htmlText, anything else as its JSON (escaped the same way). */
export function htmlValue(value: unknown): string {
  if (value === undefined) return "—";
  if (typeof value === "string") return htmlText(value);
  return htmlText(JSON.stringify(value) ?? String(value));
}
