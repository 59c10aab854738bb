// W3C Trace Context (https://www.w3.org/TR/trace-context/) for tool calls: the caller's
// `traceparent` is recorded with the call's query audit, so an operator can find the database
// work of one distributed trace. It arrives in `params._meta.traceparent` (the MCP carrier,
// SEP-414; the only one over stdio) or, over HTTP, in the `traceparent` header.
//
// Only version 00 is accepted, exactly as the spec writes it: 55 characters, lowercase hex, a
// trace-id and a parent-id that are not all zeros. Anything else (another version, upper case,
// padding, a second header joined by Node with ", ") is ignored as if absent: it is never
// stored, echoed or logged. `tracestate` and `baggage` are ignored.

import type { McpServerCore } from "./protocol.ts";

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZEROS = /^0+$/;

/** The value when it is a valid version-00 traceparent, else undefined. */
export function validTraceparent(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length !== 55) return undefined;
  const match = VERSION_00.exec(value);
  if (match === null || ALL_ZEROS.test(match[1]!) || ALL_ZEROS.test(match[2]!)) return undefined;
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The valid traceparent a request's `_meta` carries, if any. */
export function traceparentOfMeta(meta: unknown): string | undefined {
  return isPlainObject(meta) && Object.hasOwn(meta, "traceparent") ? validTraceparent(meta.traceparent) : undefined;
}

/**
 * Over HTTP: the core with the request's `traceparent` header as the fallback carrier. A
 * tools/call whose `_meta` has no valid traceparent of its own gets the header's in its `_meta`
 * (the message is this request's own parse); a valid `_meta.traceparent` wins, being the more
 * specific of the two (one per JSON-RPC message, where a header covers a whole batch and may be
 * a proxy's). An absent or invalid header changes nothing.
 */
export function withTraceparentHeader(core: McpServerCore, header: string | string[] | undefined): McpServerCore {
  const traceparent = validTraceparent(header);
  if (traceparent === undefined) return core;
  return {
    handle(message) {
      if (isPlainObject(message) && message.method === "tools/call" && isPlainObject(message.params)) {
        const params = message.params;
        const meta = params._meta;
        if (meta === undefined) params._meta = { traceparent };
        else if (isPlainObject(meta) && traceparentOfMeta(meta) === undefined) params._meta = { ...meta, traceparent };
      }
      return core.handle(message);
    },
  };
}
