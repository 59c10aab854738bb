// The review console's front door, without a browser: `synapsor-runner ui` started as a user
// starts it, driven with raw HTTP so every header is the test's choice. Sign-in, Host, Origin,
// Sec-Fetch-Site, CSRF, the review rules behind the decision endpoints, escaping, the security
// headers, and that no response carries a credential of the runner's own configuration.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { openLedger } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import { runCli } from "../support/cli.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../support/example.ts";
import { firstForbidden } from "../support/hostile-text.ts";
import { cookieFrom, csrfOf, hashOf, proposeWaiverInLedger, rawRequest, startConsoleProcess, type ConsoleProcess, type HttpAnswer } from "../support/console.ts";

const root = mkdtempSync(join(tmpdir(), "console-security-"));
const store = join(root, "ledger.db");
const SCHEMA = join(EXAMPLE_DIR, "synapsor.schema.json");

// Planted in the console's environment; none may appear in any response.
const SECRETS = {
  SUPPORT_DB_READ_URL: "postgres://reader:pl4nted-READ-pass@db.internal:5432/app",
  SUPPORT_DB_WRITE_URL: "postgres://writer:pl4nted-WRITE-pass@db.internal:5432/app",
  SYNAPSOR_LEDGER_KEY: "pl4nted-ledger-key-0123456789abcdefghijklmnop",
  SYNAPSOR_HTTP_TOKEN: "pl4nted-http-token-9f8e7d6c5b4a",
};
const ENV = { ...process.env, ...SECRETS, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-7" };
const ME = userInfo().username;
const HOSTILE = "<script>alert(1)</script>\u202eevil\u001b[31m\u200b\"'&";

let ledger: Ledger;
let ui: ConsoleProcess;
let cookie = "";
const seen: Array<{ label: string; answer: HttpAnswer }> = [];
const proposals: Record<"mine" | "approve" | "reject" | "hostile" | "secretValue" | "comment", StoredProposal> = {} as never;

function propose(principal: string, invoice: string, extraArgs: Record<string, unknown> = {}): Promise<StoredProposal> {
  return proposeWaiverInLedger(ledger, principal, invoice, { extraArgs });
}

const host = () => `127.0.0.1:${ui.port}`;
const origin = () => `http://${host()}`;

async function get(path: string, headers: Record<string, string> = {}, label = `GET ${path}`): Promise<HttpAnswer> {
  const answer = await rawRequest(ui.port, "GET", path, { Host: host(), ...(cookie ? { Cookie: cookie } : {}), ...headers });
  seen.push({ label, answer });
  return answer;
}

async function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}, label = `POST ${path}`): Promise<HttpAnswer> {
  const answer = await rawRequest(ui.port, "POST", path, {
    Host: host(), Origin: origin(), "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}), ...headers,
  }, new URLSearchParams(fields).toString());
  seen.push({ label, answer });
  return answer;
}

/** The review page and its form tokens. */
async function reviewPage(p: StoredProposal) {
  const page = await get(`/proposals/${p.id}`);
  assert.equal(page.status, 200, page.body);
  return { page, csrf: csrfOf(page.body), hash: hashOf(page.body) };
}

before(async () => {
  process.env.SYNAPSOR_LEDGER_KEY = SECRETS.SYNAPSOR_LEDGER_KEY;
  ledger = await openLedger({ path: store });
  proposals.mine = await propose(ME, "INV-3001");
  proposals.approve = await propose("agent:support", "INV-3002");
  proposals.reject = await propose("agent:support", "INV-3003");
  proposals.hostile = await propose("agent:support", `INV-${HOSTILE}`, { reason: HOSTILE });
  proposals.secretValue = await propose("agent:support", "INV-3005", { note: SECRETS.SUPPORT_DB_READ_URL });
  proposals.comment = await propose("agent:support", "INV-3006");
  ui = await startConsoleProcess(["--config", EXAMPLE_CONFIG_PATH, "--store", store, "--schema", SCHEMA, "--port", "0"], ENV);
});

after(async () => {
  const code = await ui?.stop();
  await ledger?.close();
  delete process.env.SYNAPSOR_LEDGER_KEY;
  rmSync(root, { recursive: true, force: true });
  assert.equal(code, 0, `the console stops cleanly on SIGTERM: ${ui?.stderr()}`);
});

describe("signing in", () => {
  test("the printed link names the user, has the real port and a URL-safe token", () => {
    assert.notEqual(ui.port, 0);
    assert.match(ui.stdout(), new RegExp(`${ME}: http://127\\.0\\.0\\.1:${ui.port}/\\?token=[A-Za-z0-9_-]{40,}\\n`));
  });

  test("without a session every page is a 401", async () => {
    for (const path of ["/", `/proposals/${proposals.approve.id}`, "/capabilities", `/proposals/${proposals.approve.id}/replay.json`]) {
      assert.equal((await get(path)).status, 401, path);
    }
    const post401 = await post(`/proposals/${proposals.approve.id}/approve`, { role: "billing_lead" });
    assert.equal(post401.status, 401);
    assert.equal((await get("/?token=not-the-token")).status, 401);
  });

  test("the token works once and becomes an HttpOnly SameSite=Strict cookie; then only the cookie works", async () => {
    const first = await get(`/?token=${ui.token}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, "/", "the token leaves the address bar");
    const set = String(first.headers["set-cookie"]);
    assert.ok(set.startsWith(`synapsor_console_${ui.port}=`), `the cookie names this console's port, so two consoles do not share it: ${set}`);
    for (const attribute of ["HttpOnly", "SameSite=Strict", "Path=/"]) assert.ok(set.includes(attribute), set);
    assert.equal(set.includes(ui.token), false, "the cookie is not the link's token");
    assert.equal((await get(`/?token=${ui.token}`)).status, 401, "a second use of the link is refused");
    cookie = cookieFrom(first);
    const inbox = await get("/");
    assert.equal(inbox.status, 200);
    assert.match(inbox.body, /Review required <span class="count">6<\/span>/);
    // The capability filter offers the proposals only (told from reads by readOnlyHint).
    assert.match(inbox.body, /<option value="billing\.propose_late_fee_waiver">/);
    assert.doesNotMatch(inbox.body, /<option value="(billing\.inspect_invoice|support\.list_open_tickets)">/);
  });
});

describe("requests from elsewhere", () => {
  test("a foreign Host is refused (DNS rebinding)", async () => {
    assert.equal((await get("/", { Host: `evil.example:${ui.port}` })).status, 421);
    assert.equal((await get("/", { Host: "127.0.0.1:1" })).status, 421);
  });

  test("a foreign Origin is refused, for reads and for changes", async () => {
    assert.equal((await get("/", { Origin: "http://evil.example" })).status, 403);
    const { csrf, hash } = await reviewPage(proposals.approve);
    const answer = await post(`/proposals/${proposals.approve.id}/approve`, { csrf, hash, role: "billing_lead" }, { Origin: "http://evil.example" });
    assert.equal(answer.status, 403);
    assert.equal((await ledger.proposals.get(proposals.approve.id))!.state, "review_required");
  });

  test("Sec-Fetch-Site cross-site or same-site (another local port) is refused", async () => {
    assert.equal((await get("/", { "Sec-Fetch-Site": "cross-site" })).status, 403);
    const { csrf, hash } = await reviewPage(proposals.approve);
    for (const site of ["cross-site", "same-site"]) {
      const answer = await post(`/proposals/${proposals.approve.id}/approve`, { csrf, hash, role: "billing_lead" }, { "Sec-Fetch-Site": site });
      assert.equal(answer.status, 403, site);
    }
    assert.equal((await ledger.proposals.get(proposals.approve.id))!.state, "review_required");
  });

  test("a change without the CSRF token, or with another one, or without an Origin, is refused", async () => {
    const { hash } = await reviewPage(proposals.approve);
    assert.equal((await post(`/proposals/${proposals.approve.id}/approve`, { hash, role: "billing_lead" })).status, 403);
    assert.equal((await post(`/proposals/${proposals.approve.id}/approve`, { csrf: "forged", hash, role: "billing_lead" })).status, 403);
    const { csrf } = await reviewPage(proposals.approve);
    const noOrigin = await rawRequest(ui.port, "POST", `/proposals/${proposals.approve.id}/approve`,
      { Host: host(), Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" }, new URLSearchParams({ csrf, hash, role: "billing_lead" }).toString());
    assert.equal(noOrigin.status, 403);
    // Chromium sends `Origin: null` with a form POST under Referrer-Policy: no-referrer; only its
    // Sec-Fetch-Site: same-origin then vouches for the request.
    const nullOrigin = await post(`/proposals/${proposals.approve.id}/approve`, { csrf, hash, role: "billing_lead" }, { Origin: "null", "Sec-Fetch-Site": "cross-site" });
    assert.equal(nullOrigin.status, 403);
    const nullBare = await rawRequest(ui.port, "POST", `/proposals/${proposals.approve.id}/approve`,
      { Host: host(), Cookie: cookie, Origin: "null", "Content-Type": "application/x-www-form-urlencoded" }, new URLSearchParams({ csrf, hash, role: "billing_lead" }).toString());
    assert.equal(nullBare.status, 403);
    assert.equal((await ledger.proposals.get(proposals.approve.id))!.state, "review_required");
    assert.deepEqual(await ledger.proposals.decisions(proposals.approve.id), []);
  });

  test("a non-loopback host is refused without --allow-remote-bind", async () => {
    const refused = await runCli(["ui", "--config", EXAMPLE_CONFIG_PATH, "--store", store, "--schema", SCHEMA, "--host", "0.0.0.0"], { env: ENV });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--allow-remote-bind/);
    assert.equal(refused.stdout.includes("token="), false);
  });
});

describe("decisions follow the ledger's review rules", () => {
  test("the proposer cannot approve their own proposal, even posting directly", async () => {
    const { csrf, hash } = await reviewPage(proposals.mine);
    const answer = await post(`/proposals/${proposals.mine.id}/approve`, { csrf, hash, role: "billing_lead" });
    assert.equal(answer.status, 409);
    assert.match(answer.body, /SELF_APPROVAL/);
    assert.equal((await ledger.proposals.get(proposals.mine.id))!.state, "review_required");
    assert.deepEqual(await ledger.proposals.decisions(proposals.mine.id), []);
  });

  test("approval needs the required role; with it, the decision records the signed-in user and the role", async () => {
    const { csrf, hash } = await reviewPage(proposals.approve);
    const noRole = await post(`/proposals/${proposals.approve.id}/approve`, { csrf, hash, role: "" });
    assert.equal(noRole.status, 409);
    assert.match(noRole.body, /ROLE_REQUIRED/);
    const stale = await post(`/proposals/${proposals.approve.id}/approve`, { csrf, hash: "0".repeat(64), role: "billing_lead" });
    assert.equal(stale.status, 409, "a decision on another version of the proposal is refused");
    const ok = await post(`/proposals/${proposals.approve.id}/approve`, { csrf, hash, role: "billing_lead" });
    assert.equal(ok.status, 303, ok.body);
    const [decision] = await ledger.proposals.decisions(proposals.approve.id);
    assert.equal(decision!.decision, "approved");
    assert.equal(decision!.actor, ME);
    assert.equal(decision!.role, "billing_lead");
    const page = await get(`/proposals/${proposals.approve.id}`);
    assert.ok(page.body.includes(`synapsor-runner apply --proposal ${proposals.approve.id}`), "the approved page shows the apply command");
    assert.equal(decision!.establishedBy, "self_declared", "no reviewers are declared for the example");
    assert.match(page.body, /Reviewer self-declared: the name and role were typed by the reviewer and checked against no declaration\./, "the page says so plainly");
    assert.equal((await post(`/proposals/${proposals.approve.id}/approve`, { csrf, hash, role: "billing_lead" })).status, 409, "no second decision");
  });

  test("a rejection needs a reason, and records it", async () => {
    const { csrf, hash } = await reviewPage(proposals.reject);
    const bare = await post(`/proposals/${proposals.reject.id}/reject`, { csrf, hash, reason: "  " });
    assert.equal(bare.status, 400);
    assert.equal((await ledger.proposals.get(proposals.reject.id))!.state, "review_required");
    const ok = await post(`/proposals/${proposals.reject.id}/reject`, { csrf, hash, reason: "Fee was already credited in May." });
    assert.equal(ok.status, 303);
    const [decision] = await ledger.proposals.decisions(proposals.reject.id);
    assert.equal(decision!.reason, "Fee was already credited in May.");
  });

  test("a comment is a ledger event with the actor; it changes no state", async () => {
    const { csrf } = await reviewPage(proposals.comment);
    const ok = await post(`/proposals/${proposals.comment.id}/comment`, { csrf, comment: "Checking with billing first." });
    assert.equal(ok.status, 303);
    const events = await ledger.events.list({ proposalId: proposals.comment.id, afterId: 0 });
    const comment = events.find((e) => e.type === "proposal_commented");
    assert.deepEqual(comment?.detail, { actor: ME, text: "Checking with billing first." });
    assert.equal((await ledger.proposals.get(proposals.comment.id))!.state, "review_required");
    assert.ok((await get(`/proposals/${proposals.comment.id}`)).body.includes("Checking with billing first."));
  });
});

describe("what the pages carry", () => {
  test("hostile proposal values render escaped: no markup, no raw control or bidi character", async () => {
    const filtered = await get(`/?${new URLSearchParams({ state: "all", tenant: HOSTILE, object: HOSTILE, capability: HOSTILE })}`);
    assert.ok(filtered.body.includes('value="&lt;script&gt;alert(1)&lt;/script&gt;'), "a filter typed back into its field stays inert");
    const pages = [await get(`/proposals/${proposals.hostile.id}`), await get("/?state=all"), await get(`/proposals/${proposals.hostile.id}/outcome`), filtered];
    for (const page of pages) {
      assert.equal(page.status, 200);
      assert.equal(page.body.includes("<script>alert"), false);
      assert.equal(firstForbidden(page.body.replace(/\n/g, "")), undefined, "no forbidden character");
    }
    assert.ok(pages[0]!.body.includes("&lt;script&gt;alert(1)&lt;/script&gt;\\u202eevil\\u001b[31m\\u200b&quot;&#39;&amp;"), "shown as the CLI shows it, escaped for HTML");
    for (const page of pages) {
      for (const tag of page.body.match(/<script\b[^>]*>/g) ?? []) assert.equal(tag, '<script src="/assets/console.js" defer>', "no inline script");
    }
  });

  test("every response has a strict CSP and the other security headers", async () => {
    await get("/assets/console.css");
    await get("/assets/console.js");
    await get("/capabilities");
    await get(`/proposals/${proposals.approve.id}/replay.json`);
    await get(`/proposals/${proposals.approve.id}/replay.md`);
    await get("/proposals/wrp_missing");
    for (const { label, answer } of seen) {
      const csp = String(answer.headers["content-security-policy"]);
      assert.ok(csp.includes("default-src 'none'") && csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'"), `${label}: ${csp}`);
      assert.equal(csp.includes("unsafe"), false, label);
      assert.equal(answer.headers["x-content-type-options"], "nosniff", label);
      assert.equal(answer.headers["referrer-policy"], "no-referrer", label);
    }
  });

  test("a page that would show a configured credential is withheld", async () => {
    const page = await get(`/proposals/${proposals.secretValue.id}`);
    assert.equal(page.status, 500);
    assert.match(page.body, /Withheld/);
  });

  test("no response, of any kind, carries a credential, a key or a sign-in token", () => {
    assert.ok(seen.length > 30, `responses checked: ${seen.length}`);
    const kinds = new Set(seen.map((s) => String(s.answer.headers["content-type"]).split(";")[0]));
    for (const kind of ["text/html", "text/css", "text/javascript", "application/json", "text/markdown"]) assert.ok(kinds.has(kind), kind);
    for (const { label, answer } of seen) {
      const text = JSON.stringify(answer.headers) + answer.body;
      for (const [name, value] of Object.entries(SECRETS)) assert.equal(text.includes(value), false, `${label} carries ${name}`);
      assert.equal(text.includes("pl4nted"), false, label);
      assert.equal(text.includes(ui.token), false, `${label} carries the sign-in token`);
    }
  });
});
