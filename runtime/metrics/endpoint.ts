// Serving the metrics: a `/metrics` route for the MCP HTTP server (behind its own bearer token,
// never the MCP one), or a loopback-only listener of its own for servers on stdio.

import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { bearerToken, createTokenCheck } from "../mcp/auth.ts";
import type { ExtraRoute } from "../mcp/http.ts";
import { EXPOSITION_CONTENT_TYPE } from "./exposition.ts";
import type { ServerMetrics } from "./server-metrics.ts";

export const METRICS_PATH = "/metrics";

function answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(body);
}

/** GET /metrics; with a token, only for `Authorization: Bearer <token>` (compared in constant time). */
export function metricsRoute(metrics: ServerMetrics, token: string | undefined): ExtraRoute {
  const check = token === undefined ? undefined : createTokenCheck(token);
  return {
    path: METRICS_PATH,
    async handle(req: IncomingMessage, res: ServerResponse) {
      if (check !== undefined) {
        const presented = bearerToken(req.headers.authorization);
        if (presented === undefined || !check(presented)) {
          return answer(res, 401, "Unauthorized: send the metrics token as Authorization: Bearer <token>\n", {
            "WWW-Authenticate": presented === undefined ? "Bearer" : 'Bearer error="invalid_token"',
          });
        }
      }
      if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "Method Not Allowed: use GET\n", { Allow: "GET, HEAD" });
      const body = await metrics.render();
      res.writeHead(200, { "Content-Type": EXPOSITION_CONTENT_TYPE, "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    },
  };
}

export interface RunningMetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A listener on 127.0.0.1 that answers `route` and 404 to anything else. It does not keep the
 * process alive: the server stops when its transport does.
 */
export async function startMetricsServer(route: ExtraRoute, port: number): Promise<RunningMetricsServer> {
  // Loaded only here, as http.ts does: a stdio server without --metrics-port never loads node:http.
  const { createServer } = createRequire(import.meta.url)("node:http") as typeof import("node:http");
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== route.path) return answer(res, 404, "Not Found\n");
    Promise.resolve()
      .then(() => route.handle(req, res))
      .catch(() => (res.headersSent ? res.destroy() : answer(res, 500, "Internal error\n")));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Neither the listener nor a scraper's kept-alive connection may hold the process open.
  server.unref();
  server.on("connection", (socket) => socket.unref());
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}${route.path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MetricsServing {
  /** The bearer token scrapes must present (from --metrics-token-env), if any. */
  token?: string;
  /** The loopback port of a listener of its own (--metrics-port), if any. */
  port?: number;
}

/**
 * Reads the metrics flags. Returns what to serve (nothing when neither flag is given), or a
 * message saying what is wrong and how to fix it. Never includes the token in a message.
 */
export function metricsServingFrom(
  flags: { tokenEnv?: string; port?: string },
  transport: "stdio" | "http",
  env: NodeJS.ProcessEnv,
): { ok: true; serving: MetricsServing | undefined } | { ok: false; message: string } {
  if (flags.tokenEnv === undefined && flags.port === undefined) return { ok: true, serving: undefined };
  const serving: MetricsServing = {};
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535) return { ok: false, message: `--metrics-port must be a port number from 1 to 65535, not '${flags.port}'.` };
    serving.port = port;
  }
  if (flags.tokenEnv !== undefined) {
    const token = env[flags.tokenEnv];
    if (!token) return { ok: false, message: `environment variable ${flags.tokenEnv} (the metrics bearer token) is not set.` };
    if (token.length < 16) return { ok: false, message: `the metrics token in ${flags.tokenEnv} is shorter than 16 characters; use a long random value.` };
    serving.token = token;
  }
  if (serving.port === undefined && transport !== "http") {
    return { ok: false, message: "over stdio there is no HTTP server to carry /metrics: pass --metrics-port P for a loopback listener of its own." };
  }
  return { ok: true, serving };
}
