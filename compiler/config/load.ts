// Stage 1: load. Reads synapsor.runner.json from disk and parses it as JSON, turning
// every way that can fail into a diagnostic that says where and how to fix it.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../diagnostics.ts";
import { findDuplicateKeys } from "./duplicate-keys.ts";

export type LoadResult =
  | { ok: true; raw: unknown; text: string; sha256: string; path: string }
  | { ok: false; diagnostics: Diagnostic[] };

export const LOAD_CODES = ["CONFIG_NOT_FOUND", "CONFIG_UNREADABLE", "INVALID_JSON", "DUPLICATE_KEY"] as const;

export function loadContractFile(path: string): LoadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { ok: false, diagnostics: [readFailure(path, err)] };
  }
  // Hash the bytes as stored so the hash in generated headers matches `sha256sum` of the file.
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const text = bytes.toString("utf8");
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  return { ok: true, raw: parsed.value, text, sha256, path };
}

/** Parses contract text; exported for callers that already hold the text (tests, wizard previews). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; diagnostics: Diagnostic[] } {
  // Editors on Windows sometimes save a byte-order mark, which JSON.parse rejects.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body.trim() === "") {
    return {
      ok: false,
      diagnostics: [{
        code: "INVALID_JSON",
        pointer: "",
        message: "The file is empty.",
        fix: 'Write a contract object such as {"version": 1, "mode": "read_only", "sources": {...}, "capabilities": [...]}, or generate one with `synapsor-runner init`.',
      }],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    const { line, column } = locate(body, detail);
    return {
      ok: false,
      diagnostics: [{
        code: "INVALID_JSON",
        pointer: "",
        message: `Not valid JSON at line ${line}, column ${column}: ${stripPosition(detail)}.`,
        fix: `Open the file at line ${line}, column ${column}. Common causes: a trailing comma, a missing comma between entries, comments (JSON has none), or single quotes instead of double quotes.`,
      }],
    };
  }
  const duplicates = findDuplicateKeys(body);
  if (duplicates.length > 0) return { ok: false, diagnostics: duplicates };
  return { ok: true, value };
}

function readFailure(path: string, err: unknown): Diagnostic {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") {
    return {
      code: "CONFIG_NOT_FOUND",
      pointer: "",
      message: `No contract file at ${path}.`,
      fix: "Check the --config path, or create the file with `synapsor-runner init` (or `synapsor-runner start`).",
    };
  }
  if (code === "EISDIR") {
    return {
      code: "CONFIG_UNREADABLE",
      pointer: "",
      message: `${path} is a directory, not a contract file.`,
      fix: "Pass the path of the JSON file itself, e.g. --config ./synapsor.runner.json.",
    };
  }
  if (code === "EACCES" || code === "EPERM") {
    return {
      code: "CONFIG_UNREADABLE",
      pointer: "",
      message: `Permission denied reading ${path}.`,
      fix: "Make the file readable by the user running synapsor-runner (e.g. chmod u+r).",
    };
  }
  return {
    code: "CONFIG_UNREADABLE",
    pointer: "",
    message: `Could not read ${path}${code ? ` (${code})` : ""}.`,
    fix: "Check that the path is a readable regular file.",
  };
}

/** Line and column (1-based) of a JSON.parse failure, from the position V8 reports. */
function locate(text: string, detail: string): { line: number; column: number } {
  const reported = /\(line (\d+) column (\d+)\)/.exec(detail);
  if (reported) return { line: Number(reported[1]), column: Number(reported[2]) };
  const position = /at position (\d+)/.exec(detail);
  // Without a position the parser ran out of input, so the problem is at the end.
  const offset = position ? Number(position[1]) : text.length;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { line, column };
}

function stripPosition(detail: string): string {
  return detail
    .replace(/\s*in JSON at position \d+(?: \(line \d+ column \d+\))?/, "")
    .replace(/, "[\s\S]*" is not valid JSON$/, " is not valid JSON")
    .replace(/\.$/, "");
}
