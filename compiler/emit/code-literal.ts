// The one encoder for config and schema text that reaches generated TypeScript in a code
// position. Names, types and values from the config, the inspected schema or a committed
// snapshot are untrusted: they become string literals, quoted property keys or bracket
// accesses, never bare code. Everything this module returns is branded `Code`, and the
// templates only take `Code` (or `CommentText`, see comment-text.ts), so a raw string cannot
// reach a template slot without passing through here (templates.ts types the data).
//
// Literals are printed readably: identifier keys unquoted, short arrays and objects on one
// line, everything else indented two spaces.

declare const CODE: unique symbol;
/** TypeScript source text that is safe where code goes: a literal, a key, or code this compiler wrote itself. */
export type Code = string & { readonly [CODE]: true };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ONE_LINE_LIMIT = 72;

/**
 * What JSON.stringify leaves raw but generated code must not hold: C0 (JSON escapes those
 * already; raw text in comments has them too), DEL and C1 controls, the line and paragraph
 * separators (line terminators to JavaScript), the bidirectional controls of "Trojan Source"
 * (U+061C, U+200E/F, U+202A–E, U+2066–9) and other invisible format characters (soft hyphen,
 * zero-width and word joiners, BOM, interlinear annotations), and lone surrogates (with `u`, a
 * well-formed pair is one code point and stays). A reviewer sees exactly what the compiler reads.
 */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/gu;

/** Replaces every invisible or control character with its `\uXXXX` escape (valid in a string literal, plain text in a comment). */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The same escapes over a whole generated source whose own line breaks and tabs are code (Ajv's
 * validator): only string, template and regex literals and comments can hold anything else, and
 * there a `\uXXXX` escape means the same character. JSON-printed literals never end in a lone
 * backslash, so no escape is doubled.
 */
export function escapeInvisibleInSource(source: string): string {
  return source.replace(INVISIBLE, (c) => (c === "\n" || c === "\t" ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
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
