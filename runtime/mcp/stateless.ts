// The 2026-07-28 (stateless) era of the protocol core. A request that claims this era (era.ts)
// stands alone: no initialize came before it and nothing is kept after it. Its envelope is checked
// here on every transport; the methods both eras share are answered by the same handlers as in
// the 2025 era (protocol.ts hands them in as `dispatch`) and only the result's shape differs:
// every result says resultType "complete", list results carry cache hints, and a resource that
// does not exist is -32602 (SEP-2164) rather than the 2025 era's -32002.

import { checkEnvelope, SERVER_INFO_META_KEY, SUPPORTED_MODERN_PROTOCOL_VERSIONS } from "./era.ts";
import type { EraRefusal } from "./era.ts";
import { rawJsonOf, withRawJson } from "./raw-json.ts";
import type { JsonRpcFailure, JsonRpcId, JsonRpcResponse } from "./protocol.ts";

type Params = Record<string, unknown>;

/**
 * How long a client may reuse a list result. The tools, templates and (empty) resource list are
 * fixed when the bundle is built and the same for every caller, so they are shareable ("public");
 * a new build reaches clients within this time.
 */
export const LIST_CACHE_TTL_MS = 300_000;

interface CacheHint {
  ttlMs: number;
  cacheScope: "public" | "private";
}

const SHARED_LIST: CacheHint = { ttlMs: LIST_CACHE_TTL_MS, cacheScope: "public" };
/** A resource read is the caller's tenant's live row: never reused, never shared. */
const LIVE_READ: CacheHint = { ttlMs: 0, cacheScope: "private" };

/** The methods this era serves, with the cache hint each result carries (null: none). */
const SERVED = new Map<string, CacheHint | null>([
  ["tools/list", SHARED_LIST],
  ["tools/call", null],
  ["resources/list", SHARED_LIST],
  ["resources/templates/list", SHARED_LIST],
  ["resources/read", LIVE_READ],
]);

const MCP_RESOURCE_NOT_FOUND_2025 = -32002;

// The HTTP status of a refusal the era rules (not a method) produced; everything else is 200.
const httpStatuses = new WeakMap<object, number>();

/** The HTTP status the era rules gave this error response, if they produced it. */
export function httpStatusOf(response: JsonRpcFailure): number | undefined {
  return httpStatuses.get(response);
}

function failure(id: JsonRpcId | null, code: number, message: string, data: unknown, httpStatus?: number): JsonRpcFailure {
  const response: JsonRpcFailure =
    data === undefined ? { jsonrpc: "2.0", id, error: { code, message } } : { jsonrpc: "2.0", id, error: { code, message, data } };
  if (httpStatus !== undefined) httpStatuses.set(response, httpStatus);
  return response;
}

export function refusalResponse(id: JsonRpcId | null, refusal: EraRefusal): JsonRpcFailure {
  return failure(id, refusal.code, refusal.message, refusal.data, refusal.httpStatus);
}

export interface StatelessServerInfo {
  capabilities: object;
  serverInfo: { name: string; version: string };
  instructions?: string;
}

/** Answers one already validated JSON-RPC request through the method handlers both eras share. */
export type SharedDispatch = (id: JsonRpcId, method: string, params: Params) => Promise<JsonRpcResponse>;

/**
 * `result` with the 2026 fields appended. When the result knows its JSON text (a tool result),
 * the same fields are appended to that text, so the envelope is still serialised once.
 */
function in2026Shape(result: object, hint: CacheHint | null): object {
  const shaped = hint === null ? { ...result, resultType: "complete" } : { ...result, resultType: "complete", ...hint };
  const raw = rawJsonOf(result);
  if (raw === undefined) return shaped;
  const added = hint === null ? `"resultType":"complete"` : `"resultType":"complete","ttlMs":${hint.ttlMs},"cacheScope":"${hint.cacheScope}"`;
  return withRawJson(shaped, `${raw.slice(0, -1)}${raw === "{}" ? "" : ","}${added}}`);
}

export function createStatelessHandler(info: StatelessServerInfo, dispatch: SharedDispatch) {
  // What initialize answers, in the 2026 shape: identity moves to _meta and the result may be cached.
  const discovered: Params = {
    supportedVersions: [...SUPPORTED_MODERN_PROTOCOL_VERSIONS],
    capabilities: info.capabilities,
    ...(info.instructions === undefined ? {} : { instructions: info.instructions }),
    resultType: "complete",
    ...SHARED_LIST,
    _meta: { [SERVER_INFO_META_KEY]: info.serverInfo },
  };
  const discoverResult = withRawJson(discovered, JSON.stringify(discovered));

  return async function answerStateless(id: JsonRpcId, method: string, params: Params): Promise<JsonRpcResponse> {
    const refusal = checkEnvelope(params);
    if (refusal !== undefined) return refusalResponse(id, refusal);
    if (method === "server/discover") return { jsonrpc: "2.0", id, result: discoverResult };
    const hint = SERVED.get(method);
    if (hint === undefined) {
      // initialize, ping, logging/setLevel, subscriptions and anything unknown: not in this era.
      const why = method === "initialize" ? " (a 2026-era client sends no initialize; use server/discover)" : "";
      return failure(id, -32601, `Method not found${why}`, undefined, 404);
    }
    const response = await dispatch(id, method, params);
    if ("error" in response) {
      // SEP-2164: a resource that does not exist is invalid params; data.uri stays as it was.
      if (response.error.code !== MCP_RESOURCE_NOT_FOUND_2025) return response;
      return failure(id, -32602, "Invalid params: resource not found", response.error.data);
    }
    return { jsonrpc: "2.0", id, result: in2026Shape(response.result, hint) };
  };
}
