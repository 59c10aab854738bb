// The http_handler executor: POSTs the writeback request to the app's handler and turns the
// reply into a receipt. The exact bytes sent are the bytes signed; every failure (timeout,
// refused connection, non-2xx, a reply that is not a receipt) is a failed receipt, never a throw.
// Once the request may have reached the handler (a timeout, a dropped connection, a 5xx, a reply
// that is not a receipt), that receipt says source_database_mutated "unknown", never false.

import type { Executor, ExecutionResult } from "./executor.ts";
import { excerpt, failure, receiptFromReply, uncertainFailure } from "./handler-reply.ts";
import type { WritebackRequest } from "./protocol.ts";
import { signBody } from "./signing.ts";
import { redactCredentials } from "../text/credentials.ts";

export interface HttpHandlerExecutorOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** When set, `X-Synapsor-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
  signingSecret?: string;
  timeoutMs: number;
  method: "POST";
}

/** Replies larger than this are not receipts; reading stops there. */
const MAX_REPLY_BYTES = 1024 * 1024;
const CHANNEL = "app handler";

export function createHttpHandlerExecutor(options: HttpHandlerExecutorOptions): Executor {
  return {
    type: "http_handler",
    async execute(request: WritebackRequest): Promise<ExecutionResult> {
      let result: ExecutionResult;
      try {
        result = await post(options, request);
      } catch (err) {
        result = failure("INTERNAL", "The writeback request could not be sent.", String(err));
      }
      // The detail goes to the ledger: the handler URL (which may carry a token) and the
      // credentials are replaced wherever fetch or the handler's reply quoted them.
      if (result.internal === undefined) return result;
      return { ...result, internal: redactCredentials(result.internal, [options.url, options.token, options.signingSecret]) };
    },
    async close() {},
  };
}

async function post(options: HttpHandlerExecutorOptions, request: WritebackRequest): Promise<ExecutionResult> {
  const body = JSON.stringify(request);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    "idempotency-key": request.idempotency_key,
    "x-synapsor-proposal-id": request.proposal_id,
    "x-synapsor-issued-at": request.issued_at,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.signingSecret) headers["x-synapsor-signature"] = signBody(options.signingSecret, body);

  // One deadline for connecting, sending and reading the whole reply.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(options.url, { method: options.method, headers, body, signal: controller.signal, redirect: "error" });
    } catch (err) {
      if (controller.signal.aborted) return timedOut(options.timeoutMs);
      // Only a cause that stops the request before it left proves nothing was written; a
      // connection dropped later (after the handler read the body) may follow a write.
      const answer = neverSent(err) ? failure : uncertainFailure;
      return answer("HANDLER_UNREACHABLE", "The app handler could not be reached.", describe(err));
    }
    let text: string;
    try {
      text = await readBounded(response);
    } catch (err) {
      if (controller.signal.aborted) return timedOut(options.timeoutMs);
      return uncertainFailure("HANDLER_BAD_RESPONSE", "The app handler's reply could not be read.", describe(err));
    }
    if (response.status === 401 || response.status === 403) {
      return failure("HANDLER_REJECTED_AUTH", `The app handler refused the request's credentials (HTTP ${response.status}).`, text);
    }
    if (response.status < 200 || response.status > 299) {
      // A 4xx refused the request before any work; a 5xx may have come after some.
      const answer = response.status >= 500 ? uncertainFailure : failure;
      return answer("HANDLER_HTTP_ERROR", `The app handler answered HTTP ${response.status}.`, text);
    }
    const result = receiptFromReply(text, CHANNEL);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(timeoutMs: number): ExecutionResult {
  // The deadline covers connecting too, but whether the handler had the request by then is unknown.
  return uncertainFailure("HANDLER_TIMEOUT", `The app handler did not answer within ${timeoutMs} ms.`);
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_REPLY_BYTES) {
      await response.body.cancel().catch(() => {});
      throw new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Socket codes raised while resolving or connecting, before a byte of the request is written. */
const BEFORE_SENDING_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);
/** Certificate checks and a first TLS record that is not TLS fail the handshake, before the request. */
const TLS_HANDSHAKE_CODE = /CERT|^UNABLE_TO_|^ERR_TLS_CERT|^ERR_SSL_WRONG_VERSION_NUMBER$/;
/** fetch's own refusals (undici's fixed wording): a blocked port or scheme is never contacted; a 3xx is refused like a 4xx. */
const FETCH_REFUSALS = new Set(["bad port", "unknown scheme", "unexpected redirect"]);

function neverSent(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  if (!(cause instanceof Error)) return false;
  // Several addresses tried (happy eyeballs): the request was never sent only if none took it.
  const causes = cause instanceof AggregateError && cause.errors.length > 0 ? cause.errors : [cause];
  return causes.every((one) => {
    const code = one instanceof Error && "code" in one ? String((one as { code: unknown }).code) : undefined;
    if (code !== undefined) return BEFORE_SENDING_CODES.has(code) || TLS_HANDSHAKE_CODE.test(code);
    return one instanceof Error && FETCH_REFUSALS.has(one.message);
  });
}

/** fetch hides the socket error in `cause`; the ledger wants the code (ECONNREFUSED, ...). */
function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && "code" in cause ? String((cause as { code: unknown }).code) : undefined;
  return excerpt([err instanceof Error ? err.message : String(err), code, cause?.message].filter(Boolean).join(": "));
}
