// The review console with reviewers declared (synapsor.reviewers.json next to the contract): one
// sign-in link per reviewer, each naming them; a reviewer decides only in a role they are declared
// with, the decision records them as established by their link, and none may approve a proposal
// made under one of their own names.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../support/example.ts";
import { CONSOLE_LINK, cookieFrom, csrfOf, hashOf, proposeWaiverInLedger, rawRequest, startConsoleProcess, type ConsoleProcess } from "../support/console.ts";

const root = mkdtempSync(join(tmpdir(), "console-reviewers-"));
const store = join(root, "ledger.db");
const config = join(root, "synapsor.runner.json");
const ENV = { ...process.env, SYNAPSOR_LEDGER_KEY: "console-reviewers-ledger-key-0123456789abcdef" };

let ledger: Ledger;
let ui: ConsoleProcess;
const links = new Map<string, { label: string; token: string }>();

function propose(principal: string, invoice: string): Promise<StoredProposal> {
  return proposeWaiverInLedger(ledger, principal, invoice, { extraArgs: { reason: "outage" }, approval: { reviewers: "declared" } });
}

const cookies = new Map<string, string>();

/** Signs in with a reviewer's link (which works once; the session cookie after that). */
async function signIn(id: string): Promise<string> {
  const known = cookies.get(id);
  if (known) return known;
  const link = links.get(id)!;
  const answer = await rawRequest(ui.port, "GET", `/?token=${link.token}`, { Host: `127.0.0.1:${ui.port}` });
  assert.equal(answer.status, 303);
  cookies.set(id, cookieFrom(answer));
  return cookies.get(id)!;
}

async function decide(cookie: string, p: StoredProposal, action: "approve" | "reject", fields: Record<string, string>) {
  const headers = { Host: `127.0.0.1:${ui.port}`, Cookie: cookie };
  const page = await rawRequest(ui.port, "GET", `/proposals/${p.id}`, headers);
  assert.equal(page.status, 200, page.body);
  const body = new URLSearchParams({ csrf: csrfOf(page.body), hash: hashOf(page.body), ...fields }).toString();
  const answer = await rawRequest(ui.port, "POST", `/proposals/${p.id}/${action}`, {
    ...headers, Origin: `http://127.0.0.1:${ui.port}`, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded",
  }, body);
  return { page, answer };
}

const proposals: Record<"byDana" | "forDana" | "forLee", StoredProposal> = {} as never;

before(async () => {
  copyFileSync(EXAMPLE_CONFIG_PATH, config);
  writeFileSync(join(root, "synapsor.reviewers.json"), JSON.stringify({
    reviewers: [
      { id: "dana", name: "Dana Reviewer", roles: ["billing_lead"], os_users: ["dana-laptop"] },
      { id: "lee", roles: ["support_agent"] },
    ],
  }, null, 2));
  process.env.SYNAPSOR_LEDGER_KEY = ENV.SYNAPSOR_LEDGER_KEY;
  ledger = await openLedger({ path: store });
  proposals.byDana = await propose("dana-laptop", "INV-3001");
  proposals.forDana = await propose("agent-7", "INV-3002");
  proposals.forLee = await propose("agent-7", "INV-3003");
  ui = await startConsoleProcess(["--config", config, "--store", store, "--schema", join(EXAMPLE_DIR, "synapsor.schema.json"), "--port", "0"], ENV);
  // Give the second line time to arrive: the helper resolves on the first link.
  for (let i = 0; i < 100 && (ui.stdout().match(new RegExp(CONSOLE_LINK.source, "g")) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  for (const line of ui.stdout().split("\n")) {
    const m = /^ {2}(.+): http:\/\/127\.0\.0\.1:\d+\/\?token=([A-Za-z0-9_-]+)$/.exec(line);
    if (m) links.set(/\((\w+)\)$/.exec(m[1]!)?.[1] ?? m[1]!, { label: m[1]!, token: m[2]! });
  }
});

after(async () => {
  await ui?.stop();
  await ledger?.close();
  delete process.env.SYNAPSOR_LEDGER_KEY;
  rmSync(root, { recursive: true, force: true });
});

test("one link per declared reviewer, each naming them, and no link for the operating-system user", () => {
  assert.deepEqual([...links.keys()].sort(), ["dana", "lee"], ui.stdout());
  assert.equal(links.get("dana")!.label, "Dana Reviewer (dana)");
  assert.notEqual(links.get("dana")!.token, links.get("lee")!.token);
});

test("a reviewer decides in a declared role only; approving records them as established by their link", async () => {
  const lee = await signIn("lee");
  const typed = await decide(lee, proposals.forLee, "approve", { role: "billing_lead" });
  assert.equal(typed.answer.status, 403, "a role lee is not declared with");
  assert.match(typed.answer.body, /ROLE_NOT_HELD/);
  // The typed role is echoed in the refusal: escaped, never markup or a raw bidi control.
  const hostile = await decide(lee, proposals.forLee, "approve", { role: "<script>alert(1)</script>\u202eevil" });
  assert.equal(hostile.answer.status, 403);
  assert.equal(hostile.answer.body.includes("<script>alert(1)"), false);
  assert.equal(hostile.answer.body.includes("\u202e"), false);
  const noRole = await decide(lee, proposals.forLee, "approve", {});
  assert.notEqual(noRole.answer.status, 303, "lee holds no role that may approve it");
  assert.equal((await ledger.proposals.get(proposals.forLee.id))!.state, "review_required");

  const dana = await signIn("dana");
  const { page, answer } = await decide(dana, proposals.forDana, "approve", {});
  assert.match(page.body, /<select id="role" name="role"[^>]*><option value="billing_lead" selected>/, "declared roles are a choice, not free text");
  assert.equal(answer.status, 303, answer.body);
  const [decision] = await ledger.proposals.decisions(proposals.forDana.id);
  assert.equal(decision!.actor, "dana");
  assert.equal(decision!.role, "billing_lead");
  assert.equal(decision!.establishedBy, "console_link");
  assert.equal(decision!.verification.verified, true);
  const after = await rawRequest(ui.port, "GET", `/proposals/${proposals.forDana.id}`, { Host: `127.0.0.1:${ui.port}`, Cookie: dana });
  assert.match(after.body, /Reviewer established as a declared reviewer by their review-console sign-in link\./);
});

test("a reviewer cannot approve a proposal made under one of their declared OS users", async () => {
  const dana = await signIn("dana");
  const { answer } = await decide(dana, proposals.byDana, "approve", {});
  assert.equal(answer.status, 409, answer.body);
  assert.match(answer.body, /SELF_APPROVAL/);
  assert.equal((await ledger.proposals.get(proposals.byDana.id))!.state, "review_required");
});
