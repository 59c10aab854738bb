// JSON.parse silently keeps the last of two equal keys. In a reviewed contract that lets
// a later "mode" or "tenant_key" override the one a reviewer read, so duplicates are errors.

import { pointer, type Diagnostic } from "../diagnostics.ts";

type Frame =
  | { kind: "object"; keys: Set<string>; key: string | undefined; expectingKey: boolean }
  | { kind: "array"; index: number };

/** Scans text that JSON.parse already accepted and reports every repeated key. */
export function findDuplicateKeys(text: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const top = stack[stack.length - 1];
    if (ch === "{") {
      stack.push({ kind: "object", keys: new Set(), key: undefined, expectingKey: true });
    } else if (ch === "[") {
      stack.push({ kind: "array", index: 0 });
    } else if (ch === "}" || ch === "]") {
      stack.pop();
    } else if (ch === ",") {
      if (top?.kind === "array") top.index++;
      else if (top?.kind === "object") top.expectingKey = true;
    } else if (ch === ":") {
      if (top?.kind === "object") top.expectingKey = false;
    } else if (ch === '"') {
      const end = stringEnd(text, i);
      if (top?.kind === "object" && top.expectingKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        top.key = key;
        if (top.keys.has(key)) {
          const at = pointer(...stack.map((f) => (f.kind === "array" ? f.index : f.key!)));
          found.push({
            code: "DUPLICATE_KEY",
            pointer: at,
            message: `The key '${key}' appears more than once in the same object; JSON parsers silently keep only the last one.`,
            fix: `Keep one '${key}' entry and delete the other, so the file says exactly what reviewers read.`,
          });
        }
        top.keys.add(key);
      }
      i = end;
    }
    i++;
  }
  return found;
}

/** Index of the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i;
}
