// /livez and /readyz as HTTP extra routes (served before the bearer gate). Both answer GET and
// HEAD only and say nothing beyond the fixed words of the readiness report.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExtraRoute } from "../mcp/http.ts";
import type { Readiness } from "./readiness.ts";

export const LIVEZ_PATH = "/livez";
export const READYZ_PATH = "/readyz";

function send(req: IncomingMessage, res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

function readOnlyMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === "GET" || req.method === "HEAD") return true;
  res.shouldKeepAlive = false; // any body stays unread
  res.writeHead(405, { Allow: "GET, HEAD", "Content-Length": 0 });
  res.end();
  return false;
}

export function healthRoutes(readiness: Readiness): ExtraRoute[] {
  return [
    {
      path: LIVEZ_PATH,
      handle(req, res) {
        if (readOnlyMethod(req, res)) send(req, res, 200, "ok", "text/plain; charset=utf-8");
      },
    },
    {
      path: READYZ_PATH,
      async handle(req, res) {
        if (!readOnlyMethod(req, res)) return;
        const report = await readiness.report();
        send(req, res, report.ready ? 200 : 503, JSON.stringify(report), "application/json");
      },
    },
  ];
}
