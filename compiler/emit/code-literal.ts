// Prints JSON-like values as readable TypeScript literals: identifier keys unquoted,
// short arrays and objects on one line, everything else indented two spaces.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ONE_LINE_LIMIT = 72;

export function codeLiteral(value: unknown, indent = ""): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "undefined";
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    const items = value.map((v) => codeLiteral(v, inner));
    const flat = `[${items.join(", ")}]`;
    if (flat.length <= ONE_LINE_LIMIT && !flat.includes("\n")) return flat;
    return `[\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const parts = entries.map(([k, v]) => `${propertyKey(k)}: ${codeLiteral(v, inner)}`);
  const flat = `{ ${parts.join(", ")} }`;
  if (flat.length <= ONE_LINE_LIMIT && !flat.includes("\n")) return flat;
  return `{\n${parts.map((p) => `${inner}${p},`).join("\n")}\n${indent}}`;
}

export function propertyAccess(object: string, key: string): string {
  return IDENTIFIER.test(key) ? `${object}.${key}` : `${object}[${JSON.stringify(key)}]`;
}

export function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}
