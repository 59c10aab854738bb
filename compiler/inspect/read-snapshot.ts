// Reads a committed schema snapshot (synapsor.schema.json) for `build --schema`. The file is
// untrusted input (snapshot-validate.ts): it must match the snapshot JSON Schema before any stage
// uses a name or type from it; the resolve stage then checks the tables the contract uses.

import { readFileSync } from "node:fs";
import type { Diagnostic } from "../diagnostics.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import type { SchemaSnapshot } from "./snapshot.ts";
import { validateSnapshot } from "./snapshot-validate.ts";

const REGENERATE = "Regenerate it with `synapsor-runner inspect --from-env VAR --json --output synapsor.schema.json`.";

export function readSnapshotFile(path: string): { ok: true; snapshot: SchemaSnapshot } | { ok: false; diagnostic: Diagnostic } {
  const bad = (message: string, fix: string) => {
    return { ok: false as const, diagnostic: { code: "BAD_SCHEMA_SNAPSHOT", pointer: "", message, fix } };
  };
  const shown = terminalSafe(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    return bad(
      code === "ENOENT" ? `Schema snapshot ${shown} does not exist.` : `Schema snapshot ${shown} cannot be read (${terminalSafe(code ?? "error")}).`,
      "Create it with `synapsor-runner inspect --from-env VAR --json --output synapsor.schema.json`.",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return bad(`Schema snapshot ${shown} is not valid JSON.`, REGENERATE);
  }
  const checked = validateSnapshot(parsed, path);
  return checked;
}
