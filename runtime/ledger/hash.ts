// The proposal hash: approvals bind to it, so the same change set must always hash the same,
// whatever key order the caller built its objects in.

import { createHash } from "node:crypto";
import type { NewProposal } from "./records.ts";

/**
 * JSON with object keys sorted (by UTF-16 code units, recursively) and no whitespace.
 * Follows JSON.stringify for everything else: undefined/function members are dropped,
 * undefined in arrays and non-finite numbers become null, toJSON() is honoured.
 * Written by hand because JS objects always put integer-like keys first, so sorting
 * keys and calling JSON.stringify would not give a sorted result.
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value);
  if (text === undefined) throw new TypeError("canonicalJson: value has no JSON form");
  return text;
}

function encode(value: unknown): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return JSON.stringify(value);
    case "bigint":
      throw new TypeError("canonicalJson: bigint values must be converted to strings first");
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    return "[" + value.map((item) => encode(item) ?? "null").join(",") + "]";
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = encode(record[key]);
    if (member !== undefined) parts.push(JSON.stringify(key) + ":" + member);
  }
  return "{" + parts.join(",") + "}";
}

/** The immutable part of a proposal, picked field by field so id, state or extra props never count. */
export function changeSet(p: NewProposal): Record<string, unknown> {
  return {
    capability: p.capability,
    tenantId: p.tenantId,
    principal: p.principal,
    // Only when recorded, so proposals made without a roles claim keep the hash they always had.
    ...(p.roles !== undefined ? { roles: p.roles } : {}),
    source: p.source,
    target: p.target,
    before: p.before,
    patch: p.patch,
    after: p.after,
    guards: p.guards,
    args: p.args,
    evidenceId: p.evidenceId,
    approval: p.approval,
    executor: p.executor,
  };
}

/** SHA-256 (lowercase hex) of the canonical JSON of the change set. */
export function changeSetHash(p: NewProposal): string {
  return createHash("sha256").update(canonicalJson(changeSet(p))).digest("hex");
}
