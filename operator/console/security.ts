// The review console's front door. The console can approve changes to a production database, so
// every request proves three things before any page or decision: it comes from the person the
// printed link was given to (a one-time token traded for an HttpOnly, SameSite=Strict session
// cookie), it is addressed to this console (Host, Origin, Sec-Fetch-Site: no DNS rebinding, no
// other site or other local port driving the reviewer's browser), and, when it changes anything,
// it carries the session's CSRF token. Every response gets the same strict headers.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { ConsoleIdentity } from "./identity.ts";

/** Cookies are not kept apart by port, so two consoles on one machine each name theirs by their port. */
export function sessionCookieName(port: number): string {
  return `synapsor_console_${port}`;
}

/** 32 random bytes, base64url: the characters A-Za-z0-9_- only. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** Equal-time comparison of two secrets of any length (their digests have one length). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export interface ConsoleSession {
  identity: ConsoleIdentity;
  /** Sent back in every form that changes something. */
  csrf: string;
}

export interface SignInLink {
  identity: ConsoleIdentity;
  token: string;
}

/** The one-time sign-in links of this run and the sessions they were traded for. */
export class ConsoleSessions {
  readonly links: readonly SignInLink[];
  private readonly unused: Set<SignInLink>;
  private readonly sessions = new Map<string, ConsoleSession>();

  readonly cookieName: string;

  constructor(identities: readonly ConsoleIdentity[], port: number) {
    this.cookieName = sessionCookieName(port);
    this.links = identities.map((identity) => ({ identity, token: newSecret() }));
    this.unused = new Set(this.links);
  }

  /** Trades an unused link token for a new session id; each token works once. Every link is compared, so timing says nothing. */
  redeem(token: string): { sessionId: string; session: ConsoleSession } | undefined {
    let found: SignInLink | undefined;
    for (const link of this.links) if (secretsEqual(link.token, token) && this.unused.has(link)) found = link;
    if (!found) return undefined;
    this.unused.delete(found);
    const sessionId = newSecret();
    const session = { identity: found.identity, csrf: newSecret() };
    // Keyed by digest: a lookup never compares the secret itself character by character.
    this.sessions.set(digest(sessionId).toString("hex"), session);
    return { sessionId, session };
  }

  /** The session of the request's cookie, if it names one. */
  fromRequest(req: IncomingMessage): ConsoleSession | undefined {
    const id = cookieValue(req.headers.cookie, this.cookieName);
    return id === undefined ? undefined : this.sessions.get(digest(id).toString("hex"));
  }

  /** The Set-Cookie value for a new session. */
  cookie(sessionId: string): string {
    return `${this.cookieName}=${sessionId}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The Host header values this console answers to: the bound address and port (on loopback, each loopback name). */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = isLoopbackHost(boundHost) ? [...LOOPBACK_NAMES, boundHost] : [boundHost.includes(":") ? `[${boundHost}]` : boundHost];
  return new Set(names.map((name) => `${name}:${port}`));
}

export type RequestCheck = { ok: true } | { ok: false; status: 403 | 421; reason: string };

/**
 * Is this request addressed to this console by a page of this console (or typed by the person)?
 * A foreign Host is a rebinding attempt (421); a foreign Origin, or a browser saying the request
 * comes from another site (or from another port of this machine: same-site), is refused (403).
 * A state-changing request must name its origin.
 */
export function checkOrigin(req: IncomingMessage, hosts: ReadonlySet<string>): RequestCheck {
  const host = req.headers.host;
  if (host === undefined || !hosts.has(host.toLowerCase())) return { ok: false, status: 421, reason: "This console does not answer to that host name." };
  const fetchSite = header(req, "sec-fetch-site");
  if (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") {
    return { ok: false, status: 403, reason: "Requests from other sites are refused." };
  }
  // Under Referrer-Policy: no-referrer, Chromium sends `Origin: null` with a form POST even to its
  // own origin; then the browser's Sec-Fetch-Site must vouch for it instead.
  const rawOrigin = header(req, "origin");
  const origin = rawOrigin === "null" ? undefined : rawOrigin;
  const changing = req.method !== "GET" && req.method !== "HEAD";
  if (origin !== undefined && !(origin.startsWith("http://") && hosts.has(origin.slice("http://".length).toLowerCase()))) {
    return { ok: false, status: 403, reason: "Requests from other origins are refused." };
  }
  if (changing && origin === undefined && fetchSite !== "same-origin") {
    return { ok: false, status: 403, reason: "A change must come from a page of this console (no Origin header)." };
  }
  if (changing && fetchSite === "none") return { ok: false, status: 403, reason: "A change must come from a page of this console." };
  return { ok: true };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Scripts, styles and images only from this console, never inline; no framing, no referrer, no sniffing, no caching. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cache-Control": "no-store",
};
