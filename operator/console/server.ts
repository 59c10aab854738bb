// The review console's HTTP server: node:http, a handful of routes, server-rendered pages.
// Every request passes security.ts first; decisions go through the ledger's own review rules
// (the same decide() the CLI uses), so the browser can do nothing the CLI could not.
// Approving is all it writes: applying stays with `synapsor-runner apply`.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { ProposalState } from "../../runtime/ledger/records.ts";
import { PROPOSAL_STATES } from "../../runtime/ledger/review-rules.ts";
import { decideProposal, type DecisionKind } from "../review/decide.ts";
import { proposalHistory } from "../review/history.ts";
import { buildReplay, replayMarkdown } from "../review/replay.ts";
import { terminalSafeJson } from "../../runtime/text/terminal-safe.ts";
import type { ToolsPreview } from "../preview/tools-preview.ts";
import type { ConsoleIdentity } from "./identity.ts";
import { COMMENT_EVENT, type ConsoleModels } from "./model-source.ts";
import { asset, renderPage } from "./render.ts";
import { allowedHosts, checkOrigin, ConsoleSessions, secretsEqual, SECURITY_HEADERS, type ConsoleSession } from "./security.ts";
import { AGES, capabilitiesView, proposalPath, errorView, inboxView, outcomeView, reviewView, type Age, type Chrome, type InboxFilters, type ReviewExtras } from "./views.ts";

export interface ConsoleOptions {
  ledger: Ledger;
  models: ConsoleModels;
  identities: readonly ConsoleIdentity[];
  /** The tools preview of the config, or null with the reason it could not be compiled. */
  capabilities: { preview: ToolsPreview; problem: null } | { preview: null; problem: string };
  /** Shown in the apply command on an approved proposal. */
  configPath: string;
  /** How the apply command names the ledger: `--store FILE` or `--store-url-env VAR` (shell-quoted). */
  storeFlag: string;
  host: string;
  port: number;
  /**
   * Values no response may carry (the runner's credentials and keys): a page that would carry one
   * is replaced by an error. A last net under the rule that the console never reads them.
   */
  secrets: readonly string[];
}

export interface RunningConsole {
  server: Server;
  port: number;
  /** One sign-in URL per identity. */
  links: Array<{ identity: ConsoleIdentity; url: string }>;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const MAX_COMMENT = 4000;
const MAX_REASON = 2000;
const MAX_ROLE = 200;
const LIST_LIMIT = 2000;

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const sessions = new ConsoleSessions(options.identities, port);
  const hosts = allowedHosts(options.host, port);
  const urlHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  const secrets = [...options.secrets, ...sessions.links.map((l) => l.token)].filter((s) => s.length >= 8);
  const app = new ConsoleApp(options, sessions, secrets);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    app.handle(req, res, hosts).catch(() => {
      // Never the error's text: it may quote a path or a value. The person sees a plain 500.
      if (!res.headersSent) app.send(res, 500, "text/html", app.errorPage(500, "Something went wrong", "The console could not answer this request. Nothing was changed.", null));
      else res.end();
    });
  });
  return {
    server,
    port,
    links: sessions.links.map((l) => ({ identity: l.identity, url: `http://${urlHost}:${port}/?token=${l.token}` })),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

class ConsoleApp {
  private readonly options: ConsoleOptions;
  private readonly sessions: ConsoleSessions;
  private readonly secrets: readonly string[];

  constructor(options: ConsoleOptions, sessions: ConsoleSessions, secrets: readonly string[]) {
    this.options = options;
    this.sessions = sessions;
    this.secrets = secrets;
  }

  async handle(req: IncomingMessage, res: ServerResponse, hosts: ReadonlySet<string>): Promise<void> {
    const check = checkOrigin(req, hosts);
    if (!check.ok) return this.send(res, check.status, "text/html", this.errorPage(check.status, "Refused", check.reason, null));
    const url = new URL(req.url ?? "/", "http://console.invalid");
    const path = url.pathname;

    if (req.method === "GET" && (path === "/assets/console.css" || path === "/assets/console.js")) {
      const name = path.slice("/assets/".length) as "console.css" | "console.js";
      return this.send(res, 200, name.endsWith(".css") ? "text/css" : "text/javascript", asset(name));
    }
    // Browsers ask for an icon on their own; there is none, and nothing to log about it.
    if (req.method === "GET" && path === "/favicon.ico") {
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return;
    }
    if (req.method === "GET" && path === "/" && url.searchParams.has("token")) {
      const redeemed = this.sessions.redeem(url.searchParams.get("token") ?? "");
      if (!redeemed) return this.unauthorized(res, "This sign-in link was already used or is not valid.");
      // The token leaves the address bar (and the history) at once; from now on only the cookie works.
      res.writeHead(303, { ...SECURITY_HEADERS, "Set-Cookie": this.sessions.cookie(redeemed.sessionId), Location: "/" });
      res.end();
      return;
    }
    const session = this.sessions.fromRequest(req);
    if (!session) return this.unauthorized(res, "Open the sign-in link that `synapsor-runner ui` printed on your terminal.");
    const chrome: Chrome = { identity: session.identity, csrf: session.csrf, section: "inbox" };

    if (req.method === "GET") return this.get(res, path, url.searchParams, chrome);
    if (req.method === "POST") return this.post(req, res, path, session, chrome);
    res.setHeader("Allow", "GET, POST");
    return this.send(res, 405, "text/html", this.errorPage(405, "Method not allowed", "This console answers GET and POST only.", chrome));
  }

  private async get(res: ServerResponse, path: string, query: URLSearchParams, chrome: Chrome): Promise<void> {
    if (path === "/") return this.inbox(res, query, chrome);
    if (path === "/capabilities") {
      const c = this.options.capabilities;
      return this.page(res, 200, "capabilities", capabilitiesView(c.preview, c.problem, chrome));
    }
    const match = /^\/proposals\/([^/]+)(?:\/(outcome|replay\.json|replay\.md))?$/.exec(path);
    if (!match) return this.notFound(res, chrome);
    const id = pathId(match[1]!);
    if (id === undefined) return this.notFound(res, chrome);
    switch (match[2]) {
      case undefined:
        return this.review(res, id, chrome, { notice: noticeFor(query.get("done")), error: null }, 200);
      case "outcome":
        return this.outcome(res, id, chrome);
      default:
        return this.replay(res, id, match[2] === "replay.json" ? "json" : "md", chrome);
    }
  }

  private async inbox(res: ServerResponse, query: URLSearchParams, chrome: Chrome): Promise<void> {
    const state = query.get("state") ?? "review_required";
    const age = query.get("age") ?? "";
    const filters: InboxFilters = {
      state: state === "all" || (PROPOSAL_STATES as readonly string[]).includes(state) ? (state as ProposalState | "all") : "review_required",
      tenant: (query.get("tenant") ?? "").trim(),
      capability: (query.get("capability") ?? "").trim(),
      object: (query.get("object") ?? "").trim(),
      age: age in AGES ? (age as Age) : "",
    };
    // Overdue proposals are retired before they are counted, as `proposals list` does: none is shown as decidable past its deadline.
    await this.options.ledger.proposals.expireOverdue();
    const now = Date.now();
    let all = await this.options.ledger.proposals.list({
      ...(filters.tenant ? { tenantId: filters.tenant } : {}),
      ...(filters.capability ? { capability: filters.capability } : {}),
      ...(filters.object ? { object: filters.object } : {}),
      limit: LIST_LIMIT,
    });
    if (filters.age) all = all.filter((p) => now - Date.parse(p.createdAt) <= AGES[filters.age as Age]);
    const capabilities = this.options.capabilities.preview
      ? this.options.capabilities.preview.tools.filter((t) => t._meta?.kind === "proposal").map((t) => String(t._meta?.canonical_capability ?? t.name))
      : [...new Set(all.map((p) => p.capability))];
    if (filters.capability && !capabilities.includes(filters.capability)) capabilities.push(filters.capability);
    return this.page(res, 200, "inbox", inboxView(all, filters, capabilities.sort(), chrome, now));
  }

  private async review(res: ServerResponse, id: string, chrome: Chrome, extras: Omit<ReviewExtras, "applyCommand">, status: number): Promise<void> {
    const model = await this.options.models.review(id);
    if (!model) return this.notFound(res, chrome);
    const applyCommand = `synapsor-runner apply --proposal ${id} --config ${this.options.configPath} ${this.options.storeFlag}`;
    return this.page(res, status, "review", reviewView(model, chrome, { ...extras, applyCommand }, Date.now()));
  }

  private async outcome(res: ServerResponse, id: string, chrome: Chrome): Promise<void> {
    const [outcome, proposal] = await Promise.all([this.options.models.outcome(id), this.options.ledger.proposals.get(id)]);
    if (!outcome || !proposal) return this.notFound(res, chrome);
    return this.page(res, 200, "outcome", outcomeView(outcome, proposal, chrome));
  }

  private async replay(res: ServerResponse, id: string, format: "json" | "md", chrome: Chrome): Promise<void> {
    const history = await proposalHistory(this.options.ledger, id);
    if (!history) return this.notFound(res, chrome);
    const replay = buildReplay(history);
    // The same bytes as `replay export`: JSON with C1, bidi and invisible characters as \u escapes.
    const body = format === "json" ? terminalSafeJson(JSON.stringify(replay, null, 2)) + "\n" : replayMarkdown(replay);
    // The id is the ledger's; only its safe characters name the file.
    const file = `replay-${id.replace(/[^A-Za-z0-9_-]/g, "_")}.${format}`;
    res.setHeader("Content-Disposition", `attachment; filename="${file}"`);
    return this.send(res, 200, format === "json" ? "application/json" : "text/markdown", body);
  }

  private async post(req: IncomingMessage, res: ServerResponse, path: string, session: ConsoleSession, chrome: Chrome): Promise<void> {
    const form = await readForm(req);
    if (!form.ok) return this.send(res, form.status, "text/html", this.errorPage(form.status, "Refused", form.reason, chrome));
    if (!secretsEqual(session.csrf, form.fields.get("csrf") ?? "")) {
      return this.send(res, 403, "text/html", this.errorPage(403, "Refused", "The form's security token is missing or stale. Reload the page and try again.", chrome));
    }
    const match = /^\/proposals\/([^/]+)\/(approve|reject|comment)$/.exec(path);
    if (!match) return this.notFound(res, chrome);
    const id = pathId(match[1]!);
    if (id === undefined) return this.notFound(res, chrome);
    const action = match[2]!;
    const text = (name: string) => (form.fields.get(name) ?? "").trim();
    const typed = { role: text("role"), reason: text("reason"), comment: text("comment") };
    const refuse = (code: string, message: string, status = 409) => this.review(res, id, chrome, { notice: null, error: { code, message }, typed }, status);

    if (action === "comment") {
      const proposal = await this.options.ledger.proposals.get(id);
      if (!proposal) return this.notFound(res, chrome);
      if (!typed.comment) return refuse("COMMENT_REQUIRED", "Write a comment before posting it.", 400);
      if (typed.comment.length > MAX_COMMENT) return refuse("COMMENT_TOO_LONG", `A comment holds at most ${MAX_COMMENT} characters.`, 400);
      await this.options.ledger.events.append(COMMENT_EVENT, { actor: session.identity.name, text: typed.comment }, { proposalId: id, tenantId: proposal.tenantId });
      return redirect(res, `${proposalPath(id)}?done=commented#activity`);
    }

    const decision: DecisionKind = action === "approve" ? "approved" : "rejected";
    const hash = text("hash");
    if (!hash) return refuse("HASH_REQUIRED", "The form did not say which version of the proposal you reviewed. Reload the page and decide again.", 400);
    if (decision === "rejected" && !typed.reason) return refuse("REASON_REQUIRED", "Say why you reject the proposal: the reason is recorded and the agent reads it.", 400);
    if (typed.reason.length > MAX_REASON) return refuse("REASON_TOO_LONG", `A reason holds at most ${MAX_REASON} characters.`, 400);
    if (typed.role.length > MAX_ROLE) return refuse("ROLE_TOO_LONG", `A role holds at most ${MAX_ROLE} characters.`, 400);
    const roles = session.identity.roles;
    if (roles !== null && typed.role && !roles.includes(typed.role)) {
      return refuse("ROLE_NOT_HELD", `You are not declared with the role ${typed.role}.`, 403);
    }
    // A declared reviewer who chose no role decides in the required one when they hold it, or in their only role.
    let role = typed.role || undefined;
    if (roles !== null && role === undefined) {
      const required = (await this.options.ledger.proposals.get(id))?.approval.requiredRole;
      role = required !== undefined && roles.includes(required) ? required : roles.length === 1 ? roles[0] : undefined;
    }
    const outcome = await decideProposal(this.options.ledger, {
      proposalId: id,
      decision,
      actor: session.identity.name,
      establishedBy: session.identity.establishedBy,
      alsoKnownAs: session.identity.alsoKnownAs,
      expectedHash: hash,
      ...(role ? { role } : {}),
      ...(decision === "rejected" ? { reason: typed.reason } : {}),
    });
    if (!outcome.ok) {
      if (outcome.refusal.code === "NOT_FOUND") return this.notFound(res, chrome);
      // The rules' own words; they name CLI flags, which read as the form's fields here.
      return refuse(outcome.refusal.code, outcome.refusal.message.replace(/--role /g, "the role "));
    }
    return redirect(res, `${proposalPath(id)}?done=${decision}`);
  }

  private page(res: ServerResponse, status: number, name: string, view: Record<string, unknown>): void {
    this.send(res, status, "text/html", renderPage(name, view));
  }

  errorPage(status: number, heading: string, message: string, chrome: Chrome | null): string {
    return renderPage("error", errorView(status, heading, message, chrome));
  }

  private unauthorized(res: ServerResponse, message: string): void {
    this.send(res, 401, "text/html", this.errorPage(401, "Sign in from your terminal", message, null));
  }

  private notFound(res: ServerResponse, chrome: Chrome): void {
    this.send(res, 404, "text/html", this.errorPage(404, "Not found", "There is no such page or proposal in this store.", chrome));
  }

  send(res: ServerResponse, status: number, type: string, body: string): void {
    let out = body;
    let code = status;
    if (this.secrets.some((s) => out.includes(s))) {
      // A secret in a page is a bug somewhere upstream; the page is withheld rather than sent.
      code = 500;
      out = renderPage("error", errorView(500, "Withheld", "This page would have shown a credential of the runner's configuration, so it was not sent.", null));
      type = "text/html";
    }
    res.writeHead(code, { ...SECURITY_HEADERS, "Content-Type": `${type}; charset=utf-8` });
    res.end(out);
  }
}

/** The id in a proposal URL; undefined when its escapes do not decode (no proposal has such an id). */
function pathId(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location });
  res.end();
}

function noticeFor(done: string | null): string | null {
  if (done === "approved") return "Approved. The change is written only when someone runs the apply command below.";
  if (done === "rejected") return "Rejected. The agent sees your reason when it reads the proposal.";
  if (done === "commented") return "Comment added.";
  return null;
}

type Form = { ok: true; fields: URLSearchParams } | { ok: false; status: 400 | 413 | 415; reason: string };

async function readForm(req: IncomingMessage): Promise<Form> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    req.resume();
    return { ok: false, status: 415, reason: "Send the form as application/x-www-form-urlencoded." };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return { ok: false, status: 413, reason: "The form is too large." };
    chunks.push(chunk);
  }
  return { ok: true, fields: new URLSearchParams(Buffer.concat(chunks).toString("utf8")) };
}
