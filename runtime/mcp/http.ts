// MCP Streamable HTTP on node:http, stateless: every POST carries one JSON-RPC message (or, under
// 2025-03-26, a batch) and gets one JSON reply. No Mcp-Session-Id is issued (the core keeps no
// per-client state), so nothing is retained between requests, and there is no server-initiated SSE
// stream (GET answers 405). Both spec eras share the endpoint: a 2026-07-28 request names its
// version in params._meta and repeats it, its method and name in headers (see era.ts).
// Every rejection happens before the body is read, and none of them reaches the ToolHost.

import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { bearerToken, createTokenCheck } from "./auth.ts";
import { limitConnections } from "./connection-limit.ts";
import { isModernProtocolVersion } from "./era.ts";
import {
  BATCH_PROTOCOL_VERSION,
  errorResponse,
  handleText,
  isSupportedProtocolVersion,
  JSONRPC_INTERNAL_ERROR,
  JSONRPC_INVALID_REQUEST,
  serializeReply,
  serializeResponse,
} from "./protocol.ts";
import type { JsonRpcReply, JsonRpcResponse, McpServerCore } from "./protocol.ts";
import { httpStatusOf } from "./stateless.ts";
import { withTraceparentHeader } from "./trace-context.ts";

export interface HttpServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Default 8766; 0 picks a free port. */
  port?: number;
  /** Default "/mcp". */
  path?: string;
  /** Required unless allowUnauthenticated is true or authenticate is given. */
  authToken?: string;
  /**
   * Decides each request instead of the static token (e.g. a verified JWT): the core that answers
   * it, or the refusal sent before its body is read. Runs first, like the token check.
   */
  authenticate?: (request: IncomingMessage) => Promise<AuthDecision>;
  allowUnauthenticated?: boolean;
  /** Exact Origin values accepted; default http(s):// plus each allowed host. */
  allowedOrigins?: string[];
  /** Exact Host header values accepted; default the bind host, localhost, 127.0.0.1 and [::1], each with the port. */
  allowedHosts?: string[];
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** Open connections at most; one more closes the oldest idle one (see connection-limit.ts). Default 128. */
  maxConnections?: number;
  /** A connection that has not started a request within this time is closed. Default 10 s. */
  idleTimeoutMs?: number;
  /**
   * Endpoints served beside the MCP path (health, metrics, resource metadata), matched on the exact
   * path before the bearer gate and the Host check: each answers for itself, with its own checks,
   * and must reveal nothing a caller without the token may not know.
   */
  extraRoutes?: readonly ExtraRoute[];
}

export interface ExtraRoute {
  /** Exact path, e.g. "/livez"; the query string is ignored. */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export type AuthDecision =
  | { ok: true; core: McpServerCore }
  | { ok: false; status: 401 | 403 | 503; message: string; headers: Record<string, string> };

export interface RunningHttpServer {
  url: string;
  /**
   * Stops taking MCP requests (each new one is answered 503 with Retry-After and its connection
   * closed; extra routes are still served) and waits for those in flight. Resolves true when they
   * all finished within `timeoutMs`, false when some were still running.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops listening; after a drain that was cut short, also drops the connections still busy. */
  close(): Promise<void>;
}

/** One core for every request, or a function choosing one per request (e.g. per verified caller). */
export type CoreSource = McpServerCore | ((request: IncomingMessage) => McpServerCore);

export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const DEFAULT_HTTP_PORT = 8766;
export const DEFAULT_HTTP_PATH = "/mcp";
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_HTTP_MAX_CONNECTIONS = 128;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/** Request line and headers; Node's default, stated so the per-connection bound is visible here. */
const MAX_HEADER_BYTES = 16 * 1024;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export class HttpServerConfigError extends Error {
  override readonly name = "HttpServerConfigError";
}

// Loaded on first use with require(): an ESM import of node:http evaluates every lazy export,
// which pulls in Node's bundled undici (~110 internal modules, tens of ms of start-up), and a
// stdio server never needs HTTP at all.
let http: typeof import("node:http") | undefined;
function loadHttp(): typeof import("node:http") {
  http ??= createRequire(import.meta.url)("node:http") as typeof import("node:http");
  return http;
}

function hostWithPort(host: string, port: number): string {
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${bracketed}:${port}`.toLowerCase();
}

function defaultAllowedHosts(bindHost: string, port: number): string[] {
  const names = [bindHost, "localhost", "127.0.0.1", "::1"];
  const hosts = names.map((name) => hostWithPort(name, port));
  // Browsers and curl omit the default port from Host.
  if (port === 80) hosts.push(...names.map((name) => (name.includes(":") ? `[${name}]` : name).toLowerCase()));
  return [...new Set(hosts)];
}

function sendJson(res: ServerResponse, status: number, body: object, headers?: Record<string, string>): void {
  sendText(res, status, JSON.stringify(body), headers);
}

function sendText(res: ServerResponse, status: number, text: string, headers?: Record<string, string>): void {
  // A flat [name, value, ...] list: no merged object per reply, and node:http takes it as is.
  const list: string[] = ["Content-Type", "application/json", "Content-Length", String(Buffer.byteLength(text))];
  if (headers !== undefined) for (const name in headers) list.push(name, headers[name]!);
  res.writeHead(status, list);
  res.end(text);
}

/** A rejection sent before the body was read: the connection is closed rather than drained. */
function reject(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers?: Record<string, string>,
): void {
  const hasBody = req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";
  if (hasBody) res.shouldKeepAlive = false;
  sendJson(res, status, errorResponse(null, JSONRPC_INVALID_REQUEST, message), headers);
}

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/**
 * A refusal of the 2026 era's rules carries its own status (400, or 404 for a method that era does
 * not have); a message we could not even identify is 400; any other answer (or batch) is 200.
 */
function statusOf(response: JsonRpcReply): number {
  if (Array.isArray(response) || !("error" in response)) return 200;
  return httpStatusOf(response) ?? (response.id === null ? 400 : 200);
}

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semicolon = value.indexOf(";");
  const mediaType = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  return mediaType === "application/json";
}

export async function startHttpServer(source: CoreSource, options: HttpServerOptions = {}): Promise<RunningHttpServer> {
  const bindHost = options.host ?? DEFAULT_HTTP_HOST;
  const path = options.path ?? DEFAULT_HTTP_PATH;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if ((options.authToken === undefined || options.authToken === "") && options.authenticate === undefined) {
    if (options.allowUnauthenticated !== true) {
      throw new HttpServerConfigError("an auth token is required for the HTTP transport unless unauthenticated access is explicitly allowed");
    }
  }
  for (const [name, value] of [["maxConnections", options.maxConnections], ["idleTimeoutMs", options.idleTimeoutMs]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new HttpServerConfigError(`${name} must be a positive whole number`);
  }
  const tokenCheck = options.authToken ? createTokenCheck(options.authToken) : undefined;
  const coreFor = typeof source === "function" ? source : () => source;

  // Filled in once the port is known (it may have been 0).
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  let closing = false;
  let draining = false;
  let drainedCleanly = true;
  // MCP requests between the route's acceptance and their reply; a drain waits for zero.
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  let drainDone: Promise<boolean> | undefined;

  /** Reads the body up to the limit; undefined when the limit was exceeded (the stream is left paused). */
  function readBody(req: IncomingMessage): Promise<string | undefined> {
    return new Promise((resolve, rejectRead) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > maxBody) {
          req.off("data", onData);
          req.off("end", onEnd);
          req.pause();
          resolve(undefined);
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = (): void => {
        resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
      };
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", rejectRead);
      // A client that hangs up mid-body must not leave this promise pending forever.
      req.on("close", () => {
        if (!req.complete) rejectRead(new Error("request aborted"));
      });
    });
  }

  async function answer(req: IncomingMessage, res: ServerResponse, core: McpServerCore): Promise<void> {
    const text = await readBody(req);
    if (text === undefined) {
      // The rest of the body stays unread, so this connection cannot carry another request.
      res.shouldKeepAlive = false;
      sendJson(res, 413, errorResponse(null, JSONRPC_INVALID_REQUEST, "Request body too large"));
      return;
    }
    // Without the header the spec has servers assume 2025-03-26, whose clients may send batches.
    const header = req.headers["mcp-protocol-version"];
    const version = { protocolVersion: typeof header === "string" ? header : BATCH_PROTOCOL_VERSION };
    const response: JsonRpcReply | undefined = await handleText(withTraceparentHeader(core, req.headers.traceparent), text, version, req.headers);
    if (response === undefined) {
      res.writeHead(202, { "Content-Length": 0 });
      res.end();
      return;
    }
    sendText(res, statusOf(response), serializeReply(response));
  }

  const extraRoutes = new Map((options.extraRoutes ?? []).map((r) => [r.path, r] as const));

  function route(req: IncomingMessage, res: ServerResponse): void {
    const alone = connections.requestStarted(req, res);
    if (closing) res.shouldKeepAlive = false;
    if (!alone) {
      // Pipelined: its body stays unread (Node stops reading the socket once a little is buffered)
      // and the connection closes after this answer, which Node sends after the earlier reply.
      res.shouldKeepAlive = false;
      return reject(req, res, 429, "Too Many Requests: one request at a time per connection; wait for each reply before sending the next request");
    }

    const extra = extraRoutes.get(pathOf(req.url ?? "/"));
    if (extra !== undefined) {
      Promise.resolve()
        .then(() => extra.handle(req, res))
        .catch(() => {
          if (res.headersSent) res.destroy();
          else sendText(res, 500, "Internal error");
        });
      return;
    }

    if (draining) {
      res.shouldKeepAlive = false;
      return reject(req, res, 503, "Service Unavailable: the server is shutting down; retry on another instance", { "Retry-After": "5" });
    }

    // The token comes first: a caller without it learns nothing else about this server.
    const authenticate = options.authenticate;
    if (authenticate !== undefined) {
      authenticate(req).then(
        (decision) => (decision.ok ? admit(req, res, () => decision.core) : reject(req, res, decision.status, decision.message, decision.headers)),
        () => reject(req, res, 500, "Internal error"),
      );
      return;
    }
    if (tokenCheck !== undefined) {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined || !tokenCheck(token)) {
        return reject(req, res, 401, "Unauthorized", {
          "WWW-Authenticate": token === undefined ? "Bearer" : 'Bearer error="invalid_token"',
        });
      }
    }
    admit(req, res, coreFor);
  }

  /** Everything after the caller is known: Host, Origin, path, method and media type, then the answer. */
  function admit(req: IncomingMessage, res: ServerResponse, chooseCore: (request: IncomingMessage) => McpServerCore): void {
    // DNS rebinding: a browser tricked into calling us still sends the attacker's Host and Origin.
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || !allowedHosts.has(host)) return reject(req, res, 403, "Forbidden: Host not allowed");
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
      return reject(req, res, 403, "Forbidden: Origin not allowed");
    }

    if (pathOf(req.url ?? "/") !== path) return reject(req, res, 404, "Not found");

    if (req.method !== "POST") {
      return reject(req, res, 405, "Method not allowed: this server accepts POST only", { Allow: "POST" });
    }
    if (!isJsonContentType(req.headers["content-type"])) {
      return reject(req, res, 415, "Unsupported Media Type: Content-Type must be application/json");
    }
    // A 2026-era value is judged with the body (its answer names the versions we speak and the id).
    const version = req.headers["mcp-protocol-version"];
    if (typeof version === "string" && !isSupportedProtocolVersion(version) && !isModernProtocolVersion(version)) {
      return reject(req, res, 400, "Bad Request: unsupported MCP-Protocol-Version");
    }
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBody) {
      return reject(req, res, 413, "Request body too large");
    }

    let core: McpServerCore;
    try {
      core = chooseCore(req);
    } catch {
      return reject(req, res, 500, "Internal error");
    }
    inFlight++;
    answer(req, res, core)
      .catch(() => {
        // Never a stack trace: the body names no cause.
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.shouldKeepAlive = false;
        sendJson(res, 500, errorResponse(null, JSONRPC_INTERNAL_ERROR, "Internal error"));
      })
      .finally(() => {
        if (--inFlight === 0) onIdle?.();
      });
  }

  const server = loadHttp().createServer(
    { keepAlive: true, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: MAX_HEADER_BYTES },
    route,
  );
  const connections = limitConnections(server, {
    maxConnections: options.maxConnections ?? DEFAULT_HTTP_MAX_CONNECTIONS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  });
  // Malformed HTTP never gets Node's default error text, only a bare 400.
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(options.port ?? DEFAULT_HTTP_PORT, bindHost, () => {
      server.off("error", rejectListen);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set((options.allowedHosts ?? defaultAllowedHosts(bindHost, port)).map((h) => h.toLowerCase()));
  allowedOrigins = new Set(
    (options.allowedOrigins ?? [...allowedHosts].flatMap((h) => [`http://${h}`, `https://${h}`])).map((o) =>
      o.toLowerCase().replace(/\/$/, ""),
    ),
  );

  return {
    url: `http://${hostWithPort(bindHost, port)}${path}`,
    drain: (timeoutMs) => {
      // A second signal must not start a second wait (the first one's answer stands).
      if (draining) return drainDone!;
      draining = true;
      if (inFlight === 0) return (drainDone = Promise.resolve(true));
      return (drainDone = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          drainedCleanly = false;
          resolve(false);
        }, timeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        if (!drainedCleanly) server.closeAllConnections();
      }),
  };
}
