// The one encoder for config and schema text that reaches generated TypeScript in a code
// position. Names, types and values from the config, the inspected schema or a committed
// snapshot are untrusted: they become string literals, quoted property keys or bracket
// accesses, never bare code. Everything this module returns is branded `Code`, and the
// templates only take `Code` (or `CommentText`, see comment-text.ts), so a raw string cannot
// reach a template slot without passing through here (templates.ts types the data).
//
// Literals are printed readably: identifier keys unquoted, short arrays and objects on one
// line, everything else indented two spaces.

import { UNSAFE_CLASS, unicodeEscape } from "../../runtime/text/terminal-safe.ts";

declare const CODE: unique symbol;
/** TypeScript source text that is safe where code goes: a literal, a key, or code this compiler wrote itself. */
export type Code = string & { readonly [CODE]: true };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ONE_LINE_LIMIT = 72;

/**
 * What JSON.stringify leaves raw but generated code must not hold: the terminal escaper's unsafe
 * class (runtime/text/terminal-safe.ts, the one definition): controls, format characters (bidi
 * controls of "Trojan Source", zero-width characters, tag characters), line and paragraph
 * separators, lone surrogates and every other default-ignorable code point (variation selectors,
 * Hangul fillers, U+034F). A reviewer sees exactly what the compiler reads.
 */
const INVISIBLE = new RegExp(UNSAFE_CLASS, "gu");

/** Replaces every invisible or control character with its `\uXXXX` escape(s), both UTF-16 units above U+FFFF (valid in a string literal, plain text in a comment). */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, unicodeEscape);
}

/**
 * The same escapes over a whole generated source whose own line breaks and tabs are code (Ajv's
 * validator): only string, template and regex literals and comments can hold anything else, and
 * there a `\uXXXX` escape means the same character. JSON-printed literals never end in a lone
 * backslash, so no escape is doubled.
 */
export function escapeInvisibleInSource(source: string): string {
  return source.replace(INVISIBLE, (c) => (c === "\n" || c === "\t" ? c : unicodeEscape(c)));
}

/** Whether text holds anything escapeInvisible would escape (a line break included). */
export function hasInvisible(text: string): boolean {
  return text.search(INVISIBLE) !== -1;
}

/** Any string as a double-quoted literal with nothing invisible in it. */
export function stringLiteral(text: string): Code {
  // JSON output never holds a dangling backslash, so an escape added after it stays one escape.
  return escapeInvisible(JSON.stringify(String(text))) as Code;
}

/** A JSON-like value (string, finite number, boolean, null, array, plain object) as a TypeScript literal. */
export function codeLiteral(value: unknown, indent = ""): Code {
  if (value === undefined) return "undefined" as Code;
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value === "number") return numberLiteral(value);
  if (value === null || typeof value === "boolean") return String(value) as Code;
  if (typeof value !== "object") throw new Error(`BUG: codeLiteral cannot print a ${typeof value}.`);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    const items = value.map((v) => codeLiteral(v, inner));
    const flat = `[${items.join(", ")}]`;
    if (flat.length <= ONE_LINE_LIMIT && !flat.includes("\n")) return flat as Code;
    return `[\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}]` as Code;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}" as Code;
  const parts = entries.map(([k, v]) => `${propertyKey(k)}: ${codeLiteral(v, inner)}`);
  const flat = `{ ${parts.join(", ")} }`;
  if (flat.length <= ONE_LINE_LIMIT && !flat.includes("\n")) return flat as Code;
  return `{\n${parts.map((p) => `${inner}${p},`).join("\n")}\n${indent}}` as Code;
}

function numberLiteral(value: number): Code {
  if (!Number.isFinite(value)) throw new Error(`BUG: ${value} reached generated code; plans hold finite numbers only.`);
  return JSON.stringify(value) as Code;
}

/**
 * A key in an object literal. `__proto__` is special there (a bare or quoted `__proto__: v` sets
 * the prototype instead of adding a key, so a column of that name would silently vanish from a
 * patch or its bounds); a computed key adds it as an own property.
 */
export function propertyKey(key: string): Code {
  if (key === "__proto__") return `[${stringLiteral(key)}]` as Code;
  return IDENTIFIER.test(key) ? (key as Code) : stringLiteral(key);
}

/** A member name in an interface or type literal: an identifier as it is, anything else quoted. */
export function typeMemberKey(key: string): Code {
  return IDENTIFIER.test(key) ? (key as Code) : stringLiteral(key);
}

/** Reads `key` of the object `object` names: `object.key`, or `object["order-id"]` when the key is not an identifier. */
export function propertyAccess(object: Code | string, key: string): Code {
  return (IDENTIFIER.test(key) ? `${object}.${key}` : `${object}[${stringLiteral(key)}]`) as Code;
}

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await as async from of type declare namespace module any " +
    "unknown never object string number boolean symbol bigint undefined")
    .split(" "),
);

/**
 * An identifier the generator derives (an import binding, a type or function name). Derivation
 * must already have produced letters, digits and `_` only; anything else is a generator bug,
 * never something to print.
 */
export function identifier(name: string): Code {
  if (!IDENTIFIER.test(name) || RESERVED.has(name)) throw new Error(`BUG: ${JSON.stringify(name)} is not a safe identifier for generated code.`);
  return name as Code;
}

/**
 * Composes code this compiler writes: the literal parts are the generator's own source text,
 * every interpolated part must already be `Code`.
 */
export function code(strings: TemplateStringsArray, ...parts: Array<Code>): Code {
  return strings.reduce((out, s, i) => out + s + (i < parts.length ? parts[i] : ""), "") as Code;
}

/** Joins encoded pieces. */
export function joinCode(parts: readonly Code[], separator: string): Code {
  return parts.join(separator) as Code;
}
