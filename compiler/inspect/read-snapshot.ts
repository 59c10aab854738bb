// Reads a committed schema snapshot (synapsor.schema.json) for `build --schema`.
// Checks the envelope of the file; the resolve stage checks the tables it actually uses.

import { readFileSync } from "node:fs";
import type { Diagnostic } from "../diagnostics.ts";
import type { SchemaSnapshot } from "./snapshot.ts";

export function readSnapshotFile(path: string): { ok: true; snapshot: SchemaSnapshot } | { ok: false; diagnostic: Diagnostic } {
  const bad = (message: string, fix: string) => ({ ok: false as const, diagnostic: { code: "BAD_SCHEMA_SNAPSHOT", pointer: "", message, fix } });
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    return bad(
      code === "ENOENT" ? `Schema snapshot ${path} does not exist.` : `Schema snapshot ${path} cannot be read (${code ?? "error"}).`,
      "Create it with `synapsor-runner inspect --from-env VAR --json --output synapsor.schema.json`.",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return bad(`Schema snapshot ${path} is not valid JSON.`, "Regenerate it with `synapsor-runner inspect --json --output`.");
  }
  const s = parsed as Partial<SchemaSnapshot>;
  if (s.snapshot_version !== 1 || (s.engine !== "postgres" && s.engine !== "mysql") || !Array.isArray(s.tables)) {
    return bad(
      `${path} is not a synapsor schema snapshot (expected snapshot_version 1, engine and tables).`,
      "Regenerate it with `synapsor-runner inspect --json --output`.",
    );
  }
  return { ok: true, snapshot: s as SchemaSnapshot };
}
