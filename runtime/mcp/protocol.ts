// A lean, strict JSON-RPC 2.0 + MCP server core over a ToolHost. Transports hand it one
// decoded message at a time and write back whatever it returns; it keeps no per-client state,
// so the same core serves stdio and stateless Streamable HTTP alike.
// We do not use the SDK's server at run time: its stateless HTTP path measured 3.5-4x our CPU per
// call (docs/mcp-surface.md); this file is the whole protocol surface instead.
// Both spec eras share it: a request that claims the 2026-07-28 era in params._meta (era.ts) is
// answered by the stateless handler (stateless.ts) through the same method handlers.

import type { ToolHost } from "./host.ts";
import { checkHttpEra, PROTOCOL_VERSION_META_KEY } from "./era.ts";
import type { EraHeaders } from "./era.ts";
import { rawJsonOf } from "./raw-json.ts";
import { createStatelessHandler, refusalResponse } from "./stateless.ts";
import { echoed } from "../text/echo.ts";

/** The 2025 era's versions (initialize), newest first; the first is what we answer to anything else. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
export const LATEST_PROTOCOL_VERSION = "2025-11-25";

export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_METHOD_NOT_FOUND = -32601;
export const JSONRPC_INVALID_PARAMS = -32602;
export const JSONRPC_INTERNAL_ERROR = -32603;
/** MCP's code for resources/read of a URI that does not exist (here: not in the caller's tenant). */
export const MCP_RESOURCE_NOT_FOUND = -32002;

export type JsonRpcId = string | number;

export interface JsonRpcSuccess {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result: object;
}

export interface JsonRpcFailure {
  jsonrpc: "2.0";
  id: JsonRpcId | null;
  error: { code: number; message: string; data?: unknown };
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
/** What one message of text gets back: a response, or an array of them for a batch. */
export type JsonRpcReply = JsonRpcResponse | JsonRpcResponse[];

/**
 * 2025-03-26 is the one revision whose clients may send JSON-RPC batches: it requires servers to
 * accept them, and 2025-06-18 removed them. A batch is answered only when this is the version in use.
 */
export const BATCH_PROTOCOL_VERSION = "2025-03-26";
/** A batch's members run concurrently, so their number is bounded like any other request's cost. */
export const MAX_BATCH_LENGTH = 64;

/**
 * The protocol version a transport knows its client uses: stdio learns it from the initialize it
 * answers (one client per process); HTTP reads it from each request's MCP-Protocol-Version header.
 */
export interface ProtocolVersionState {
  protocolVersion: string | undefined;
}

export interface McpServerCore {
  /** Answers one decoded JSON-RPC message; undefined for notifications and client responses. */
  handle(message: unknown): Promise<JsonRpcResponse | undefined>;
}

export function isSupportedProtocolVersion(version: string): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcFailure {
  return data === undefined
    ? { jsonrpc: "2.0", id, error: { code, message } }
    : { jsonrpc: "2.0", id, error: { code, message, data } };
}

/** The reply to bytes that are not JSON at all; there is no id to echo. */
export function parseErrorResponse(): JsonRpcFailure {
  return errorResponse(null, JSONRPC_PARSE_ERROR, "Parse error");
}

/**
 * The wire text of a response, the same as JSON.stringify(response) but splicing in a result's
 * recorded JSON (see raw-json.ts) so a tool result is not serialised twice.
 */
export function serializeResponse(response: JsonRpcResponse): string {
  if ("result" in response) {
    const raw = rawJsonOf(response.result);
    if (raw !== undefined) return `{"jsonrpc":"2.0","id":${JSON.stringify(response.id)},"result":${raw}}`;
  }
  return JSON.stringify(response);
}

/** The wire text of a reply: one response, or a batch's responses as a JSON array. */
export function serializeReply(reply: JsonRpcReply): string {
  return Array.isArray(reply) ? `[${reply.map(serializeResponse).join(",")}]` : serializeResponse(reply);
}

/**
 * Decodes one message of text and answers it; shared by the stdio and HTTP transports. With a
 * version state, a batch is answered when that state says 2025-03-26, and a successful initialize
 * records the version it agreed (stdio keeps one state per connection). HTTP passes its protocol
 * headers, which a 2026-era request must agree with (era.ts) before the core sees it.
 */
export function handleText(
  core: McpServerCore,
  text: string,
  state?: ProtocolVersionState,
  httpHeaders?: EraHeaders,
): Promise<JsonRpcReply | undefined> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return Promise.resolve(parseErrorResponse());
  }
  if (httpHeaders !== undefined) {
    const refusal = checkHttpEra(message, httpHeaders);
    if (refusal !== undefined) return Promise.resolve(refusalResponse(validIdOf(message), refusal));
  }
  if (Array.isArray(message) && state?.protocolVersion === BATCH_PROTOCOL_VERSION) return handleBatch(core, message);
  if (state !== undefined && isPlainObject(message) && message.method === "initialize") {
    return core.handle(message).then((response) => {
      if (response !== undefined && "result" in response) {
        const agreed = (response.result as { protocolVersion?: unknown }).protocolVersion;
        if (typeof agreed === "string") state.protocolVersion = agreed;
      }
      return response;
    });
  }
  return core.handle(message);
}

/**
 * A 2025-03-26 batch: every member answered as if sent alone, concurrently, the responses in the
 * members' order; notifications and client responses add nothing, and a batch of only those gets
 * no reply at all. An empty or over-long batch is one Invalid Request (JSON-RPC 2.0 §6).
 */
async function handleBatch(core: McpServerCore, members: unknown[]): Promise<JsonRpcReply | undefined> {
  if (members.length === 0) return errorResponse(null, JSONRPC_INVALID_REQUEST, "Invalid Request: empty batch");
  if (members.length > MAX_BATCH_LENGTH) {
    return errorResponse(null, JSONRPC_INVALID_REQUEST, `Invalid Request: a batch holds at most ${MAX_BATCH_LENGTH} messages`);
  }
  const responses = await Promise.all(
    members.map((member) =>
      core.handle(member).catch(() => errorResponse(null, JSONRPC_INTERNAL_ERROR, "Internal error")),
    ),
  );
  const answered = responses.filter((r): r is JsonRpcResponse => r !== undefined);
  return answered.length === 0 ? undefined : answered;
}

type Params = Record<string, unknown>;
type MethodHandler = (params: Params) => Promise<object> | object | InvalidParams | ResourceNotFound | UnknownTool;

/** Returned (not thrown) by handlers so the hot path never pays for exceptions. */
class InvalidParams {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** tools/call of a name the host does not have: the spec's protocol error, not a tool result. */
class UnknownTool {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

class ResourceNotFound {
  readonly uri: string;
  constructor(uri: string) {
    this.uri = uri;
  }
}

function isPlainObject(value: unknown): value is Params {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function validIdOf(message: unknown): JsonRpcId | null {
  const id = isPlainObject(message) ? message.id : undefined;
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
}

function optionalCursorOk(params: Params): boolean {
  // Cursors are accepted and ignored: every list fits on one page.
  return params.cursor === undefined || typeof params.cursor === "string";
}

const EMPTY: Params = Object.freeze({}) as Params;

function settled<T>(value: T): Promise<T> {
  return Promise.resolve(value);
}

export function createMcpServerCore(host: ToolHost): McpServerCore {
  const capabilities = {
    tools: { listChanged: false },
    resources: { subscribe: false, listChanged: false },
  };
  const serverInfo = { name: host.serverInfo.name, version: host.serverInfo.version };

  const methods = new Map<string, MethodHandler>([
    [
      "initialize",
      (params) => {
        const requested = params.protocolVersion;
        if (typeof requested !== "string") return new InvalidParams("protocolVersion must be a string");
        if (params.capabilities !== undefined && !isPlainObject(params.capabilities)) {
          return new InvalidParams("capabilities must be an object");
        }
        const protocolVersion = isSupportedProtocolVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
        return host.instructions === undefined
          ? { protocolVersion, capabilities, serverInfo }
          : { protocolVersion, capabilities, serverInfo, instructions: host.instructions };
      },
    ],
    ["ping", () => ({})],
    [
      "tools/list",
      (params) => (optionalCursorOk(params) ? { tools: host.listTools() } : new InvalidParams("cursor must be a string")),
    ],
    [
      "tools/call",
      (params) => {
        const name = params.name;
        if (typeof name !== "string") return new InvalidParams("name must be a string");
        const args = params.arguments;
        if (args !== undefined && !isPlainObject(args)) return new InvalidParams("arguments must be an object");
        return host.callTool(name, args, params._meta).then((result) => result ?? new UnknownTool(name));
      },
    ],
    [
      "resources/list",
      // Every resource is addressed per id through a template; there is nothing to enumerate.
      (params) => (optionalCursorOk(params) ? { resources: [] } : new InvalidParams("cursor must be a string")),
    ],
    [
      "resources/templates/list",
      (params) =>
        optionalCursorOk(params)
          ? { resourceTemplates: host.listResourceTemplates() }
          : new InvalidParams("cursor must be a string"),
    ],
    [
      "resources/read",
      async (params) => {
        const uri = params.uri;
        if (typeof uri !== "string") return new InvalidParams("uri must be a string");
        const contents = await host.readResource(uri);
        return contents === undefined ? new ResourceNotFound(uri) : { contents: [contents] };
      },
    ],
  ]);

  // Not async: a request goes straight on to its handler's promise, with no extra one around it.
  function handle(message: unknown): Promise<JsonRpcResponse | undefined> {
    if (!isPlainObject(message)) {
      return settled(
        errorResponse(
          null,
          JSONRPC_INVALID_REQUEST,
          Array.isArray(message)
            ? `Invalid Request: JSON-RPC batches are accepted only under protocol version ${BATCH_PROTOCOL_VERSION}`
            : "Invalid Request",
        ),
      );
    }
    const id = message.id;
    const hasId = id !== undefined;
    if (hasId && typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) {
      return settled(errorResponse(null, JSONRPC_INVALID_REQUEST, "Invalid Request: id must be a string or number"));
    }
    const replyId = hasId ? (id as JsonRpcId) : null;
    if (message.jsonrpc !== "2.0") return settled(errorResponse(replyId, JSONRPC_INVALID_REQUEST, "Invalid Request"));

    const method = message.method;
    if (typeof method !== "string") {
      // A response to a server request; we never send any, so there is nothing to match it to.
      if (hasId && ("result" in message || "error" in message)) return settled(undefined);
      return settled(errorResponse(replyId, JSONRPC_INVALID_REQUEST, "Invalid Request: method must be a string"));
    }
    // Notifications (initialized, cancelled, ...) need no reply and change nothing here.
    if (!hasId) return settled(undefined);

    const rawParams = message.params;
    if (rawParams === undefined) return dispatch(replyId as JsonRpcId, method, EMPTY);
    if (!isPlainObject(rawParams)) {
      return settled(errorResponse(replyId, JSONRPC_INVALID_PARAMS, "Invalid params: params must be an object"));
    }
    // The era check a 2025-era request pays: one property read (two when it sends _meta).
    const meta = rawParams._meta;
    if (meta !== undefined && isPlainObject(meta) && PROTOCOL_VERSION_META_KEY in meta) {
      return answerStateless(replyId as JsonRpcId, method, rawParams);
    }
    return dispatch(replyId as JsonRpcId, method, rawParams);
  }

  /** One request that passed the JSON-RPC checks, answered by its method's handler. */
  async function dispatch(replyId: JsonRpcId, method: string, params: Params): Promise<JsonRpcResponse> {
    const handler = methods.get(method);
    if (handler === undefined) return errorResponse(replyId, JSONRPC_METHOD_NOT_FOUND, "Method not found");

    let result: object;
    try {
      result = await handler(params);
    } catch {
      // The host promises never to reject; if it does anyway, the caller learns nothing about why.
      return errorResponse(replyId, JSONRPC_INTERNAL_ERROR, "Internal error");
    }
    if (result instanceof InvalidParams) {
      return errorResponse(replyId, JSONRPC_INVALID_PARAMS, `Invalid params: ${result.message}`);
    }
    if (result instanceof UnknownTool) {
      // The name is the caller's: echoed bounded and escaped. data.code is the stable code clients
      // branch on, the same one the envelope's error table lists.
      return errorResponse(replyId, JSONRPC_INVALID_PARAMS, `Unknown tool '${echoed(result.name)}'. Use one of the tools in tools/list.`, {
        code: "CAPABILITY_NOT_FOUND",
        retryable: false,
      });
    }
    if (result instanceof ResourceNotFound) {
      // The URI is the caller's: echoed bounded and escaped, so a 2 MB URI gets a small answer.
      return errorResponse(replyId, MCP_RESOURCE_NOT_FOUND, "Resource not found", { uri: echoed(result.uri) });
    }
    return { jsonrpc: "2.0", id: replyId, result };
  }

  const answerStateless = createStatelessHandler({ capabilities, serverInfo, instructions: host.instructions }, dispatch);
  return { handle };
}
