// Reading the loosely typed parts of a tool (its schemas and annotations) and its name's words.
// A tools/list result comes from any server, so every accessor tolerates a missing or odd value.

import { terminalValue } from "../../runtime/text/terminal-safe.ts";
import type { AuditedTool } from "./finding.ts";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The top-level input properties, by name. */
export function inputProperties(tool: AuditedTool): Array<[string, JsonObject]> {
  const schema = tool.inputSchema;
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  return Object.entries(schema.properties).map(([name, value]) => [name, isObject(value) ? value : {}]);
}

export function annotation(tool: AuditedTool, hint: string): unknown {
  return isObject(tool.annotations) ? tool.annotations[hint] : undefined;
}

/**
 * The lower-case words of a name: split at anything but letters and digits and at camelCase
 * humps, so `deleteRow`, `delete_row`, `db.delete-row` all read as delete, row.
 */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

/** An argument's name reduced to letters and digits, e.g. `Tenant-ID` → `tenantid`. */
export function compact(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** A string argument a model can fill with anything: no enum, const, format or pattern narrows it. */
export function isFreeText(property: JsonObject): boolean {
  const type = property.type;
  const types = Array.isArray(type) ? type : [type];
  const stringy = type === undefined || types.includes("string");
  return stringy && property.enum === undefined && property.const === undefined && property.pattern === undefined && property.format === undefined;
}

/** Every string a person or model reads about the tool: title, description, and the descriptive parts of its schemas. */
export function describingTexts(tool: AuditedTool): string[] {
  const texts: string[] = [];
  if (typeof tool.title === "string") texts.push(tool.title);
  if (typeof tool.description === "string") texts.push(tool.description);
  const title = annotation(tool, "title");
  if (typeof title === "string") texts.push(title);
  collectSchemaTexts(tool.inputSchema, texts, 0);
  collectSchemaTexts(tool.outputSchema, texts, 0);
  return texts;
}

const DESCRIPTIVE_KEYS = new Set(["description", "title", "default", "examples", "example", "enum", "const"]);

function collectSchemaTexts(node: unknown, into: string[], depth: number): void {
  if (depth > 32) return;
  if (typeof node === "string") into.push(node);
  else if (Array.isArray(node)) for (const item of node) collectSchemaTexts(item, into, depth + 1);
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (DESCRIPTIVE_KEYS.has(key)) collectStrings(value, into, depth + 1);
      else if (typeof value === "object") collectSchemaTexts(value, into, depth + 1);
    }
  }
}

function collectStrings(node: unknown, into: string[], depth: number): void {
  if (depth > 32) return;
  if (typeof node === "string") into.push(node);
  else if (Array.isArray(node)) for (const item of node) collectStrings(item, into, depth + 1);
  else if (isObject(node)) for (const value of Object.values(node)) collectStrings(value, into, depth + 1);
}

/**
 * A name quoted for a `why` sentence, as display text (terminalValue: control, bidi and invisible
 * characters as visible escapes), at most 60 characters, so a hostile name can neither drive a
 * screen nor swamp the line, in any output format.
 */
export function quoted(name: string): string {
  const chars = Array.from(name);
  return `"${terminalValue(chars.length > 60 ? chars.slice(0, 59).join("") + "…" : name)}"`;
}
