// synapsor-runner/handler: the helper an app team mounts behind its http_handler (or runs as
// its command_handler). It does the security-critical part — authentication, request
// checks, tenant-scoped row lock, version and transition guards, idempotency, atomic receipt
// — and leaves the app only its business write.

// Its declarations use Node.js types (NodeJS.ProcessEnv, node:http). Kept in the emitted .d.ts so an
// app type-checks against them without listing "node" in its own `types` (TypeScript 6 and later
// include no @types by default); @types/node is a dependency of this package.
/// <reference types="node" preserve="true" />

import type { Receipt } from "../runtime/executors/protocol.ts";
import { databaseErrorClass, writerErrorKind } from "../runtime/dialect/index.ts";
import { checkConnectionUrl } from "../runtime/db/connection-url.ts";
import { authenticate, header, type AuthSettings } from "./auth.ts";
import { ISSUED_AT_HEADER } from "../runtime/executors/signing.ts";
import { BusinessFunctionError, applyRequest } from "./apply.ts";
import { openHandlerDatabase, type HandlerDatabase } from "./database.ts";
import { nodeAdapter, type NodeHandler } from "./node.ts";
import { refusedReceipt } from "./receipt.ts";
import { DEFAULT_RECEIPTS_TABLE, IdempotencyKeyCollision, ReceiptStore, ReceiptsTableMissing } from "./receipts.ts";
import { checkAgainstBinding, parseRequest } from "./request.ts";
import { ScopeError } from "./scoped-tx.ts";
import type { HandlerRequest, HandlerResponse, WritebackHandlerOptions } from "./types.ts";

export type * from "./types.ts";
export { handlerReceiptsDdl, DEFAULT_RECEIPTS_TABLE } from "./receipts.ts";
export { versionsMatch } from "./version.ts";
export { ScopeError } from "./scoped-tx.ts";

export interface WritebackHandler {
  /** Mount on a node:http server (or Express, which passes the same req/res). */
  node: NodeHandler;
  /** Framework-neutral: give the raw body and headers, send back what it returns. */
  handle(request: HandlerRequest): Promise<HandlerResponse>;
  /**
   * The command_handler entry point: request JSON on stdin, receipt JSON on stdout. No bearer
   * check — the runner that spawns the command is the trusted caller.
   */
  runCommand(io?: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream }): Promise<Receipt>;
  close(): Promise<void>;
}

const DEFAULT_SKEW_SECONDS = 300;

export function createWritebackHandler(options: WritebackHandlerOptions): WritebackHandler {
  // Misconfiguration fails at start-up, not on the first approved change.
  const token = options.tokenEnv ? requireEnv(options.tokenEnv, "the bearer token") : undefined;
  const signingSecret = options.signingSecretEnv ? requireEnv(options.signingSecretEnv, "the signing secret") : undefined;
  const url = requireEnv(options.source.urlEnv, "the database URL");
  try {
    checkConnectionUrl(options.source.engine, url);
  } catch (err) {
    throw new Error(`createWritebackHandler: environment variable ${options.source.urlEnv}: ${(err as Error).message}`);
  }
  const auth: AuthSettings = { token, signingSecret, maxSkewSeconds: options.maxSkewSeconds ?? DEFAULT_SKEW_SECONDS };
  const report = options.onError ?? (() => {});

  let db: Promise<HandlerDatabase> | undefined;
  let receipts: ReceiptStore | undefined;
  const database = async () => {
    db ??= openHandlerDatabase(options.source.engine, {
      url,
      statementTimeoutMs: options.source.statementTimeoutMs ?? 10_000,
      maxConnections: options.source.maxConnections ?? 5,
    });
    const opened = await db;
    const rt = options.receiptsTable ?? {};
    receipts ??= new ReceiptStore(opened, { ...(rt.schema ? { schema: rt.schema } : {}), name: rt.name ?? DEFAULT_RECEIPTS_TABLE }, rt.create ?? true);
    return { db: opened, receipts };
  };

  /** Runs an authenticated (or trusted) body; returns the HTTP status and the receipt. */
  async function processBody(body: string, signedIssuedAt?: string): Promise<{ status: number; receipt: Receipt }> {
    const parsed = parseRequest(body);
    if (!parsed.ok) return { status: 400, receipt: refusedReceipt("failed", "HANDLER_FAILED", `Malformed writeback request: ${parsed.message}`) };
    const request = parsed.value;
    // The header is an unsigned copy; the skew check only counts if it is the signed body's time.
    if (signedIssuedAt !== undefined && signedIssuedAt !== request.issued_at) {
      return { status: 401, receipt: refusedReceipt("failed", "HANDLER_REJECTED_AUTH", "The issued-at header does not match the signed request.") };
    }
    const action = request.change_set.action;
    const binding = Object.hasOwn(options.capabilities, action) ? options.capabilities[action] : undefined;
    if (!binding) return { status: 200, receipt: refusedReceipt("failed", "UNKNOWN_ACTION", "This handler has no business function for the requested action.") };
    const checked = checkAgainstBinding(request, binding.table);
    if (!checked.ok) return { status: 400, receipt: refusedReceipt("failed", "HANDLER_FAILED", `Malformed writeback request: ${checked.message}`) };

    const context = { action, proposalId: request.proposal_id };
    try {
      const { db: opened, receipts: store } = await database();
      const receipt = await applyRequest({ db: opened, receipts: store, binding, request, versionColumn: checked.value.versionColumn });
      return { status: 200, receipt };
    } catch (err) {
      if (err instanceof BusinessFunctionError || err instanceof ScopeError) {
        report(err instanceof BusinessFunctionError ? err.cause : err, { ...context, stage: "business_function" });
        return { status: 200, receipt: refusedReceipt("failed", "HANDLER_FAILED", "The business function failed; the transaction was rolled back.") };
      }
      report(err, { ...context, stage: "database" });
      return databaseFailure(err);
    }
  }

  async function handle(request: HandlerRequest): Promise<HandlerResponse> {
    const verdict = authenticate(auth, request);
    if (!verdict.ok) {
      return respond(401, refusedReceipt("failed", "HANDLER_REJECTED_AUTH", verdict.message), { "www-authenticate": "Bearer" });
    }
    const body = typeof request.body === "string" ? request.body : Buffer.from(request.body).toString("utf8");
    const { status, receipt } = await processBody(body, signingSecret ? header(request, ISSUED_AT_HEADER) : undefined);
    return respond(status, receipt, status === 401 ? { "www-authenticate": "Bearer" } : {});
  }

  return {
    handle,
    node: nodeAdapter(handle),
    async runCommand(io = {}) {
      const input = io.input ?? globalThis.process.stdin;
      const output = io.output ?? globalThis.process.stdout;
      const chunks: Buffer[] = [];
      for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      const { receipt } = await processBody(Buffer.concat(chunks).toString("utf8"));
      output.write(JSON.stringify(receipt) + "\n");
      return receipt;
    },
    async close() {
      if (db) await (await db.catch(() => undefined))?.close();
      db = undefined;
      receipts = undefined;
    },
  };
}

function databaseFailure(err: unknown): { status: number; receipt: Receipt } {
  if (err instanceof ReceiptsTableMissing) {
    return {
      status: 500,
      receipt: refusedReceipt("failed", "RECEIPTS_TABLE_MISSING", "The handler's receipts table is missing; create it with the DDL in docs/handler.md."),
    };
  }
  if (err instanceof IdempotencyKeyCollision) {
    // Thrown before any business write, and the transaction rolled back: nothing changed.
    return {
      status: 200,
      receipt: refusedReceipt(
        "failed",
        "IDEMPOTENCY_KEY_COLLISION",
        "The receipts table's collation treats this idempotency key as equal to a different stored key; give the idempotency_key column a binary collation (MySQL: utf8mb4_bin; Postgres: \"C\").",
      ),
    };
  }
  if (writerErrorKind(err) === "permission") {
    return { status: 200, receipt: refusedReceipt("failed", "WRITE_PERMISSION_DENIED", "The handler's database credential may not perform this write.") };
  }
  if (databaseErrorClass(err) === "unavailable") {
    return { status: 503, receipt: refusedReceipt("failed", "WRITER_UNAVAILABLE", "The handler's database is unreachable or timed out.") };
  }
  return { status: 500, receipt: refusedReceipt("failed", "INTERNAL", "The handler failed; details are in the handler's logs.") };
}

function respond(status: number, receipt: Receipt, extra: Record<string, string> = {}): HandlerResponse {
  return { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...extra }, body: JSON.stringify(receipt) };
}

function requireEnv(name: string, purpose: string): string {
  const value = globalThis.process.env[name];
  if (!value) throw new Error(`createWritebackHandler: environment variable ${name} (${purpose}) is not set.`);
  return value;
}
