// The two MCP spec eras, told apart per message. The 2025 era (2024-11-05 .. 2025-11-25) negotiates
// a version once, with initialize; the 2026 era (2026-07-28 on) has no handshake: every request
// names its version in params._meta (the "envelope claim") and, over HTTP, repeats it and the
// method in headers. This module is pure: it reads an already parsed message (and, for HTTP, three
// header values) and says which era answers it, or which error refuses it. It never throws.

import { echoed } from "../text/echo.ts";

export const FIRST_MODERN_PROTOCOL_VERSION = "2026-07-28";
/** The 2026-era revisions server/discover advertises; kept apart from initialize's list on purpose. */
export const SUPPORTED_MODERN_PROTOCOL_VERSIONS: readonly string[] = [FIRST_MODERN_PROTOCOL_VERSION];

export const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";
export const CLIENT_CAPABILITIES_META_KEY = "io.modelcontextprotocol/clientCapabilities";
export const CLIENT_INFO_META_KEY = "io.modelcontextprotocol/clientInfo";
export const SERVER_INFO_META_KEY = "io.modelcontextprotocol/serverInfo";

/** A header disagreeing with the body, or a required header missing (2026-07-28, HTTP 400). */
export const MCP_HEADER_MISMATCH = -32020;
/** The requested revision is not one this server speaks; data lists what it does (HTTP 400). */
export const MCP_UNSUPPORTED_PROTOCOL_VERSION = -32022;

/**
 * Revisions are ISO dates, so they order as strings; anything at or after the first 2026 one
 * (including values that are no date at all, like "v999.0.0") is judged by 2026-era rules.
 */
export function isModernProtocolVersion(version: string): boolean {
  return version >= FIRST_MODERN_PROTOCOL_VERSION;
}

type Params = Record<string, unknown>;

function isPlainObject(value: unknown): value is Params {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** params._meta when it is an object; the one property read a 2025-era request pays for. */
function metaOf(params: unknown): Params | undefined {
  if (!isPlainObject(params)) return undefined;
  const meta = params._meta;
  return isPlainObject(meta) ? meta : undefined;
}

/** Whether a message claims the 2026 era: its params._meta holds the protocol-version key. */
export function hasEnvelopeClaim(params: unknown): boolean {
  const meta = metaOf(params);
  return meta !== undefined && PROTOCOL_VERSION_META_KEY in meta;
}

/** A refusal the era rules produce before any method runs: the JSON-RPC error and its HTTP status. */
export interface EraRefusal {
  httpStatus: number;
  code: number;
  message: string;
  data?: unknown;
}

function unsupportedVersion(requested: string): EraRefusal {
  return {
    httpStatus: 400,
    code: MCP_UNSUPPORTED_PROTOCOL_VERSION,
    message: `Unsupported protocol version. Use one of: ${SUPPORTED_MODERN_PROTOCOL_VERSIONS.join(", ")}`,
    // The requested value is the caller's: echoed bounded and escaped.
    data: { supported: [...SUPPORTED_MODERN_PROTOCOL_VERSIONS], requested: echoed(requested) },
  };
}

function invalidEnvelope(problem: string): EraRefusal {
  return { httpStatus: 400, code: -32602, message: `Invalid params: ${problem}` };
}

function headerMismatch(problem: string): EraRefusal {
  return { httpStatus: 400, code: MCP_HEADER_MISMATCH, message: `Header mismatch: ${problem}` };
}

/**
 * Checks a claimed request's envelope, on every transport: the version is a string this server
 * speaks, the client's capabilities are an object (they may be empty), clientInfo (optional) is
 * an object. undefined when the request may be served.
 */
export function checkEnvelope(params: Params): EraRefusal | undefined {
  const meta = metaOf(params);
  if (meta === undefined) return invalidEnvelope("_meta must be an object");
  const version = meta[PROTOCOL_VERSION_META_KEY];
  if (typeof version !== "string") return invalidEnvelope(`_meta["${PROTOCOL_VERSION_META_KEY}"] must be a protocol version string`);
  if (!isPlainObject(meta[CLIENT_CAPABILITIES_META_KEY])) {
    return invalidEnvelope(`_meta["${CLIENT_CAPABILITIES_META_KEY}"] is required: an object naming the client's capabilities for this request ({} for none)`);
  }
  const clientInfo = meta[CLIENT_INFO_META_KEY];
  if (clientInfo !== undefined && !isPlainObject(clientInfo)) return invalidEnvelope(`_meta["${CLIENT_INFO_META_KEY}"] must be an object`);
  if (!SUPPORTED_MODERN_PROTOCOL_VERSIONS.includes(version)) return unsupportedVersion(version);
  return undefined;
}

/**
 * An HTTP request's headers as Node hands them over (names lower-cased); only MCP-Protocol-Version,
 * Mcp-Method and Mcp-Name are read, and the last two only for a 2026-era request.
 */
export type EraHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Node joins repeated custom headers into an array; repeated, a protocol header equals no single value. */
function headerValue(headers: EraHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" ? withoutOws(value) : value === undefined ? undefined : value.join(", ");
}

/**
 * Optional whitespace (space and tab only, RFC 9110 §5.6.3) around a value is not part of it.
 * Not String.prototype.trim, which also strips characters such as U+0085 that are data here.
 */
function withoutOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** The body field the Mcp-Name header mirrors, per method. */
const NAME_SOURCE: Readonly<Record<string, "name" | "uri">> = { "tools/call": "name", "prompts/get": "name", "resources/read": "uri" };

const BASE64_PREFIX = "=?base64?";
const BASE64_SUFFIX = "?=";
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * An Mcp-Name value as the client meant it: a value that is not plain header text travels as
 * =?base64?…?= (UTF-8 bytes). undefined when that wrapper holds no canonical base64 or no UTF-8.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(BASE64_PREFIX) && value.endsWith(BASE64_SUFFIX)) || value.length < BASE64_PREFIX.length + BASE64_SUFFIX.length) {
    return value;
  }
  const encoded = value.slice(BASE64_PREFIX.length, value.length - BASE64_SUFFIX.length);
  if (!CANONICAL_BASE64.test(encoded)) return undefined;
  try {
    return strictUtf8.decode(Buffer.from(encoded, "base64"));
  } catch {
    return undefined;
  }
}


/**
 * The HTTP half of the era rules, run on every POST body before the core sees it. A 2025-era
 * request (no claim, no 2026 header) passes untouched: the headers it may carry are never
 * enforced on it. A claimed request must repeat its version in MCP-Protocol-Version and its
 * method in Mcp-Method (and its name or URI in Mcp-Name), or it is refused with -32020. A 2026
 * header on a request without the claim is refused too, never served as the 2025 era.
 * undefined when the core may answer; the envelope itself is checked by the core (checkEnvelope).
 */
export function checkHttpEra(message: unknown, headers: EraHeaders): EraRefusal | undefined {
  if (!isPlainObject(message) || typeof message.method !== "string") return undefined;
  const method = message.method;
  const params = message.params;
  const meta = metaOf(params);
  const claimed = meta !== undefined && PROTOCOL_VERSION_META_KEY in meta;
  const headerVersion = headerValue(headers, "mcp-protocol-version");
  const isRequest = message.id !== undefined;

  if (!claimed) {
    if (headerVersion === undefined || !isModernProtocolVersion(headerVersion)) return undefined;
    // A notification carries no envelope of its own; the header alone says it is 2026-era.
    if (!isRequest) return methodHeaderMismatch(method, headers, false);
    if (method === "initialize") return headerMismatch("initialize is the 2025-era handshake; a 2026-era client sends no initialize (use server/discover)");
    if (!SUPPORTED_MODERN_PROTOCOL_VERSIONS.includes(headerVersion)) return unsupportedVersion(headerVersion);
    return invalidEnvelope(
      `the MCP-Protocol-Version header names a 2026-era revision, so params._meta must carry "${PROTOCOL_VERSION_META_KEY}" and "${CLIENT_CAPABILITIES_META_KEY}"`,
    );
  }

  const claim = meta[PROTOCOL_VERSION_META_KEY];
  if (typeof claim !== "string") return invalidEnvelope(`_meta["${PROTOCOL_VERSION_META_KEY}"] must be a protocol version string`);
  if (headerVersion === undefined) {
    if (isRequest) return headerMismatch("the MCP-Protocol-Version header is required and must equal the version in params._meta");
  } else if (headerVersion !== claim) {
    return headerMismatch("the MCP-Protocol-Version header does not equal the version in params._meta");
  }
  const methodRefusal = methodHeaderMismatch(method, headers, isRequest);
  if (methodRefusal !== undefined || !isRequest) return methodRefusal;

  const field = NAME_SOURCE[method];
  if (field === undefined) return undefined;
  const bodyValue = (params as Params)[field];
  if (typeof bodyValue !== "string") return undefined; // the core answers the malformed params
  const header = headerValue(headers, "mcp-name");
  if (header === undefined) return headerMismatch(`the Mcp-Name header is required for ${method} and must equal params.${field}`);
  if (decodeHeaderValue(header) !== bodyValue) return headerMismatch(`the Mcp-Name header does not equal params.${field}`);
  return undefined;
}

function methodHeaderMismatch(method: string, headers: EraHeaders, required: boolean): EraRefusal | undefined {
  const value = headerValue(headers, "mcp-method");
  if (value === undefined) return required ? headerMismatch("the Mcp-Method header is required and must equal the method in the body") : undefined;
  // Method names are case-sensitive: TOOLS/LIST is not tools/list.
  return value === method ? undefined : headerMismatch("the Mcp-Method header does not equal the method in the body");
}
