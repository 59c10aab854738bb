// Checks a writeback job against schemas/writeback-job.v1.schema.json, the contract other
// languages build handlers from: what we write out must be what we publish. `apply --job` runs
// the same check on a job file before anything else. The issue time is the one value of a job
// file that apply does not re-derive from the ledger, and it reaches handlers (the signed
// X-Synapsor-Issued-At header, their staleness check), so it is held to more than the format:
// a real UTC instant, not before the approval it carries, not ahead of this machine's clock by
// more than the handler helper's skew window (a future time would stretch how long a captured,
// signed request stays acceptable).

import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import { readPackageJson } from "../../compiler/package-root.ts";
import type { WritebackRequest } from "../../runtime/executors/protocol.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  // The only format the schema uses; defined here rather than pulling in a formats package.
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)) });
  // The job's change_set is a $ref to the change set's own schema.
  ajv.addSchema(readPackageJson("schemas/change-set.v1.schema.json"));
  compiled = ajv.compile(readPackageJson("schemas/writeback-job.v1.schema.json"));
  return compiled;
}

export type JobCheck = { ok: true; request: WritebackRequest } | { ok: false; errors: string[] };

/** How far a job's issue time may be ahead of this machine's clock: the handler helper's default skew window. */
export const ISSUED_AT_MAX_AHEAD_MS = 5 * 60 * 1000;
/** What `proposals writeback-job` writes (Date#toISOString), fractions of any length allowed. */
const UTC_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

export function checkWritebackJob(value: unknown, now: Date = new Date()): JobCheck {
  const validate = validator();
  if (!validate(value)) return { ok: false, errors: (validate.errors ?? []).map(describe) };
  const request = value as WritebackRequest;
  const problem = issuedAtProblem(request, now.getTime());
  return problem ? { ok: false, errors: [problem] } : { ok: true, request };
}

function issuedAtProblem(job: WritebackRequest, now: number): string | undefined {
  const shown = terminalSafe(JSON.stringify(job.issued_at).slice(0, 80));
  const issued = utcInstant(job.issued_at);
  if (issued === undefined) return `/issued_at must be a real UTC date-time ending in Z, e.g. 2026-05-17T08:00:00.000Z, not ${shown}`;
  if (issued > now + ISSUED_AT_MAX_AHEAD_MS) {
    return `/issued_at ${shown} is in the future: more than ${ISSUED_AT_MAX_AHEAD_MS / 60000} minutes after this machine's clock (${new Date(now).toISOString()})`;
  }
  const approved = Date.parse(job.approval.approved_at);
  if (issued < approved) return `/issued_at ${shown} is before the approval the job carries (${terminalSafe(job.approval.approved_at)})`;
  return undefined;
}

/** Milliseconds since the epoch, or undefined unless every field is in range (no 30 February, no hour 24, no leap second). */
function utcInstant(text: string): number | undefined {
  const m = UTC_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, Number(`0.${m[7] ?? "0"}`) * 1000);
  const back = new Date(ms);
  const same = back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day && back.getUTCHours() === hour && back.getUTCMinutes() === minute && back.getUTCSeconds() === second;
  return same && year >= 1970 ? ms : undefined;
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || "(root)"} ${error.message ?? "is invalid"}`;
}
