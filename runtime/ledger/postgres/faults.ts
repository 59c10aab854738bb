// Which failures of a Postgres ledger mean "the store is unusable right now" (StoreUnavailableError)
// rather than a bug in our SQL, and the plain words for each. The reason names the variable that
// holds the URL, never the URL or the server's own text; the raw cause goes to `detail` (logs),
// with any credentials in it redacted.

import { describeCause } from "../../errors.ts";
import { NewerSchemaError } from "../migrations.ts";

// Socket-level failures pg passes through from node:net / node:dns.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);

/** SQLSTATE (or its class, the first two characters) → what it means for the ledger. */
const SQLSTATE_REASONS: Record<string, string> = {
  "08": "the connection to the database failed",
  "28": "the database refused the login",
  "3D000": "the database does not exist",
  "3F000": "the ledger schema does not exist",
  "42501": "the database user lacks a permission the ledger needs",
  "53": "the database is out of resources (connections, memory or disk)",
  "57P01": "the database server is shutting down",
  "57P02": "the database server is restarting after a crash",
  "57P03": "the database server is starting up or not accepting connections",
  "57014": "a ledger statement took too long and was cancelled",
  "55P03": "a ledger row stayed locked too long",
  "40001": "the ledger kept losing to concurrent writers (serialization failures)",
  "40P01": "the ledger kept losing to concurrent writers (deadlocks)",
  "25006": "the database is read-only (a standby?)",
  "58": "the database server reported a system error",
  XX: "the database server reported an internal error",
};

/**
 * The faults a restart, a failover or a busy server cause, which pass without anyone acting:
 * connection failures (class 08), resources (53), shutdown and start-up (57P0x), cancelled or
 * lock-timed-out statements, lost serialization races.
 */
const TRANSIENT_SQLSTATES = new Set(["08", "53", "57P01", "57P02", "57P03", "57014", "55P03", "40001", "40P01"]);

export interface StoreProblem {
  reason: string;
  detail: string;
  /** Waiting may cure it (StoreUnavailableError.transient). */
  transient: boolean;
}

/** The plain-words problem when `err` is a store fault; undefined for anything else. */
export function postgresStoreProblem(err: unknown, urlEnv: string): StoreProblem | undefined {
  const reason = reasonFor(err, urlEnv);
  return reason === undefined ? undefined : { reason, detail: describeCause(err), transient: isTransient(err) };
}

function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return NETWORK_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATES.has(code.slice(0, 2));
  // pg's own client errors (no code): a lost connection or a deadline, not a bad URL.
  return err instanceof Error && !(err instanceof TypeError) && !(err instanceof NewerSchemaError);
}

function reasonFor(err: unknown, urlEnv: string): string | undefined {
  if (err instanceof NewerSchemaError) {
    return `it was written by a newer synapsor-runner (ledger schema ${err.storeVersion}, this build knows up to ${err.knownVersion})`;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (NETWORK_CODES.has(code)) return `the database server in ${urlEnv} cannot be reached (${code === "ENOTFOUND" || code === "EAI_AGAIN" ? "unknown host" : "connection failed"})`;
    const known = SQLSTATE_REASONS[code] ?? SQLSTATE_REASONS[code.slice(0, 2)];
    if (known) return `${known} (check ${urlEnv})`;
  }
  if (err instanceof Error && code === undefined) {
    // pg's own client errors carry no code: a connection that ended, a connect or query deadline,
    // a URL it cannot parse. None of them is a bug in a ledger statement.
    if (/terminated|timeout|timed out|Connection|ended|not queryable|closed/i.test(err.message)) {
      return `the connection to the database in ${urlEnv} was lost or timed out`;
    }
    if (err instanceof TypeError && /Invalid URL|URL/i.test(err.message)) return `${urlEnv} does not hold a valid postgres:// URL`;
  }
  return undefined;
}
