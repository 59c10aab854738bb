// The review console as the tests drive it: `synapsor-runner ui` started as a user starts it,
// its sign-in link read from stdout, and plain HTTP requests with every header under the test's
// control (Host, Origin, Sec-Fetch-Site), which fetch() would not allow.

import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { CLI, REPO_ROOT } from "./cli.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { ProposalApproval, StoredProposal } from "../../runtime/ledger/records.ts";

export interface ConsoleProcess {
  child: ChildProcess;
  port: number;
  /** The sign-in URL printed for the operating-system user. */
  url: string;
  token: string;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

export const CONSOLE_LINK = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/;

/** Starts `ui` from the repository's CLI, or with `launcher` (e.g. an installed package's bin) in its place. */
export async function startConsoleProcess(args: string[], env: NodeJS.ProcessEnv, launcher?: { command: string; cwd: string }): Promise<ConsoleProcess> {
  const child = launcher
    ? spawn(launcher.command, ["ui", ...args], { cwd: launcher.cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, [CLI, "ui", ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the console printed no link: ${stdout}\n${stderr}`)), 60_000);
    child.stdout!.on("data", () => {
      const m = CONSOLE_LINK.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the console exited ${code}: ${stdout}\n${stderr}`));
    });
  });
  return {
    child,
    port: Number(match[1]),
    url: match[0],
    token: match[2]!,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (plus Content-Length for a body). */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers: { ...headers, ...(body !== undefined ? { "Content-Length": String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The session cookie a sign-in answer sets, as a Cookie header value. */
export function cookieFrom(answer: HttpAnswer): string {
  const set = answer.headers["set-cookie"];
  const first = Array.isArray(set) ? set[0] : set;
  if (!first) throw new Error("no cookie was set");
  return first.split(";")[0]!;
}

/** The CSRF token of a console page's forms. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("the page has no form with a CSRF token");
  return m[1]!;
}

export function hashOf(html: string): string {
  const m = /name="hash" value="([0-9a-f]+)"/.exec(html);
  if (!m) throw new Error("the page has no decision form");
  return m[1]!;
}

/**
 * A late-fee waiver of `invoice` in tenant_acme, written straight into the ledger as the example's
 * server would write it (its read first, then the proposal), for console tests that need no database.
 */
export async function proposeWaiverInLedger(
  ledger: Ledger,
  principal: string,
  invoice: string,
  options: { extraArgs?: Record<string, unknown>; approval?: Partial<ProposalApproval> } = {},
): Promise<StoredProposal> {
  const tenantId = "tenant_acme";
  const reason = String(options.extraArgs?.reason ?? "first late payment");
  const row = { id: invoice, tenant_id: tenantId, status: "overdue", late_fee_cents: 2500, waiver_reason: null, updated_at: "2026-05-16T09:12:44.123456Z" };
  const read = await ledger.reads.recordRead({
    capability: "billing.inspect_invoice", tenantId, principal, source: "app_db", table: "public.invoices", statementFingerprint: "9c1e2f3a4b5d6e7f",
    args: { invoice_id: invoice }, redactedParams: [invoice, "$tenant_id"], rows: [row], objectIds: [invoice], durationMs: 1.2, withEvidence: true,
  });
  return ledger.proposals.create({
    capability: "billing.propose_late_fee_waiver", tenantId, principal, source: "app_db",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: invoice } },
    before: row,
    patch: { late_fee_cents: 0, waiver_reason: reason, status: "open" },
    after: { ...row, late_fee_cents: 0, status: "open" },
    guards: { tenant: { column: "tenant_id", value: tenantId }, conflict: { column: "updated_at", expected: row.updated_at }, transitions: [{ column: "status", from: ["overdue"], to: ["open"] }] },
    args: { invoice_id: invoice, new_late_fee_cents: 0, reason: "first late payment", ...options.extraArgs },
    evidenceId: read.evidenceId!,
    approval: { mode: "human", requiredRole: "billing_lead", ...options.approval },
    executor: { name: "direct_sql", type: "sql_update" },
  });
}
