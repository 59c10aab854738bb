// A tools/list result from a file or a server, as the audit reads it: `{ "tools": [...] }`, a bare
// array of tools, or a whole JSON-RPC response whose result is the former. Errors are values.

import type { AuditedList, AuditedTool } from "./finding.ts";
import { isObject } from "./tool-shape.ts";

export type ToolsListParse = { ok: true; list: AuditedList } | { ok: false; code: "AUDIT_INPUT_INVALID"; message: string };

/** The size a client receives: the list re-serialised compactly, so a file and a live server measure alike. */
export function toolsListBytes(tools: readonly unknown[]): number {
  return Buffer.byteLength(JSON.stringify({ tools }));
}

export function parseToolsListText(text: string, from: string): ToolsListParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return invalid(`${from} is not JSON (${err instanceof Error ? err.message : String(err)}). Save the result of tools/list: {"tools": [...]}.`);
  }
  return toolsListFrom(value, from);
}

export function toolsListFrom(value: unknown, from: string): ToolsListParse {
  const result = isObject(value) && isObject(value.result) && "jsonrpc" in value ? value.result : value;
  const tools = Array.isArray(result) ? result : isObject(result) ? result.tools : undefined;
  if (!Array.isArray(tools)) {
    return invalid(`${from} holds no list of tools. Expected a tools/list result {"tools": [...]} or a bare array of tools.`);
  }
  const audited: AuditedTool[] = [];
  for (const [i, tool] of tools.entries()) {
    if (!isObject(tool) || typeof tool.name !== "string") {
      return invalid(`${from}: tools[${i}] is not a tool (an object with a string "name"). Fix or remove that entry.`);
    }
    audited.push({ ...tool, name: tool.name });
  }
  return { ok: true, list: { tools: audited, bytes: toolsListBytes(tools) } };
}

function invalid(message: string): ToolsListParse {
  return { ok: false, code: "AUDIT_INPUT_INVALID", message };
}
