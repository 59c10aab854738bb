// The review console in a real browser (the system Chromium, headless, through playwright-core),
// on a real compiled server over Postgres: the agent proposes through the MCP SDK Client, a
// person signs in with the printed link, triages the inbox with the keyboard, approves one
// proposal with a role and rejects another with a reason; the agent reads that reason through
// the proposal resource; the CLI applies the approved one and the console shows the receipt and
// the replay timeline. Screenshots go to test/artifacts/; with SYNAPSOR_UPDATE_DOC_SCREENSHOTS=1
// they also replace the docs' copies in docs/images/.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import pg from "pg";
import { REPO_ROOT } from "../support/cli.ts";
import { envelopeOf } from "../support/compiled-server.ts";
import { startConsoleProcess, type ConsoleProcess } from "../support/console.ts";
import { setUpWriteback, type WritebackProject } from "../support/writeback-setup.ts";

const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");
const DOC_IMAGES = join(REPO_ROOT, "docs", "images");
const ME = userInfo().username;
const REASON = "The customer already got a credit for this fee in May; waiving it again would refund it twice.";

let project: WritebackProject;
let ui: ConsoleProcess;
let browser: Browser;
let page: Page;
const ids: Record<"apply" | "reject" | "pending", string> = { apply: "", reject: "", pending: "" };

async function propose(invoice: string, fee: number, reason: string): Promise<string> {
  await project.inspect(invoice);
  const result = envelopeOf(await project.session.client.callTool({
    name: "billing.propose_late_fee_waiver",
    arguments: { invoice_id: invoice, new_late_fee_cents: fee, reason },
  }));
  assert.equal(result.ok, true, result.summary);
  return result.proposal.id;
}

async function screenshot(name: string): Promise<void> {
  const file = join(ARTIFACTS, `console-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  // The docs' copies change only when asked (ids and times differ on every run).
  if (process.env.SYNAPSOR_UPDATE_DOC_SCREENSHOTS === "1") copyFileSync(file, join(DOC_IMAGES, `console-${name}.png`));
}

/** Clicks a decision button and accepts the confirmation the page's script asks for. */
async function decide(button: string): Promise<void> {
  page.once("dialog", (dialog) => void dialog.accept());
  await Promise.all([page.waitForURL(/done=/), page.click(button)]);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  mkdirSync(DOC_IMAGES, { recursive: true });
  project = await setUpWriteback("postgres", "srcon");
  ids.apply = await propose("INV-3001", 0, "Fee charged during the May 3 outage (ticket T-1001).");
  ids.reject = await propose("INV-3003", 0, "Customer asked nicely (ticket T-1004).");
  ids.pending = await propose("INV-3005", 500, "Goodwill: second late payment this year, halve the fee.");
  ui = await startConsoleProcess(["--config", project.built.configPath, "--store", project.store, "--port", "0"], project.env);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
});

after(async () => {
  await browser?.close();
  await ui?.stop();
  await project?.close();
});

test("the printed link signs in and the inbox lists the proposals; j/k and Enter open one", { timeout: 120_000 }, async () => {
  await page.goto(ui.url);
  assert.equal(new URL(page.url()).search, "", "the token is gone from the address bar");
  assert.equal(await page.locator("table[data-triage] tbody tr").count(), 3);
  for (const id of Object.values(ids)) assert.equal(await page.locator(`a:text-is("${id}")`).count(), 1, id);
  assert.equal(await page.locator(".tab[aria-current=page]").innerText(), "Review required\n3".replace("\n", " "));
  assert.equal((await page.getByLabel("Tenant").count()), 1, "filters are labelled");

  // Newest first: pending, reject, apply. j twice selects the second row; Enter opens it.
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  await page.keyboard.press("j");
  await Promise.all([page.waitForURL(new RegExp(`/proposals/${ids.reject}$`)), page.keyboard.press("Enter")]);
  await page.goto(new URL("/", ui.url).toString());
  await page.keyboard.press("/");
  assert.equal(await page.evaluate("document.activeElement && document.activeElement.id"), "f-tenant", "/ focuses the filters");
});

test("the review page tells the story, and approving needs the role", { timeout: 120_000 }, async () => {
  await page.goto(new URL(`/proposals/${ids.apply}`, ui.url).toString());
  const text = await page.locator("main").innerText();
  for (const piece of ["billing.propose_late_fee_waiver", "tenant_acme", "agent-7", "INV-3001", "late_fee_cents", "2500", "No MCP tool can approve, reject or apply", "UPDATE"]) {
    assert.ok(text.includes(piece), `the review page shows ${piece}`);
  }
  // The agent's own inspect_invoice read before proposing, then the read the proposal made.
  const evidence = page.locator("section[aria-labelledby=ev-heading]");
  assert.equal(await evidence.locator("table tbody tr").count(), 2, "the evidence rows the agent read");
  assert.ok((await evidence.innerText()).includes("billing.inspect_invoice"));
  await screenshot("review");

  await page.getByLabel(/Your role/).fill("billing_lead");
  await decide("button.approve");
  assert.match(await page.locator(".banner-ok").innerText(), /Approved/);
  assert.match(await page.locator("pre.command").innerText(), new RegExp(`synapsor-runner apply --proposal ${ids.apply} `));
});

test("the live row is read at review time: an edit in the database shows in the now column, with the stale banner and the failed guard", { timeout: 120_000 }, async () => {
  const reviewUrl = new URL(`/proposals/${ids.pending}`, ui.url).toString();
  await page.goto(reviewUrl);
  assert.equal(await page.locator(".banner-warn[role=alert]").count(), 0, "nothing changed yet");
  const conflict = page.locator("li.guard", { hasText: "Conflict" });
  assert.equal(await conflict.getAttribute("class"), "guard guard-holds");

  // Someone changes the invoice in the database after the agent proposed.
  const admin = new pg.Client({ connectionString: project.db.url });
  await admin.connect();
  try {
    await admin.query("UPDATE invoices SET late_fee_cents = 1234, updated_at = updated_at + interval '1 minute' WHERE id = 'INV-3005'");
  } finally {
    await admin.end();
  }
  await page.goto(reviewUrl);
  assert.match(await page.locator(".banner-warn[role=alert]").innerText(), /Changed since proposal/);
  const feeRow = page.locator("tbody tr", { has: page.locator("th", { hasText: /^late_fee_cents\b/ }) });
  assert.match(await feeRow.locator("td.now").innerText(), /1234/);
  assert.equal(await conflict.getAttribute("class"), "guard guard-fails");
});

test("rejecting needs a reason, and the agent reads it through the proposal resource", { timeout: 120_000 }, async () => {
  await page.goto(new URL(`/proposals/${ids.reject}`, ui.url).toString());
  await page.getByLabel(/Reason for rejecting/).fill(REASON);
  await decide("button.reject");
  assert.match(await page.locator(".banner-ok").innerText(), /Rejected/);

  const resource = await project.session.client.readResource({ uri: `synapsor://proposals/${ids.reject}` });
  const body = JSON.parse((resource.contents[0] as { text: string }).text);
  assert.equal(body.state, "rejected");
  assert.equal(body.review.decision, "rejected");
  assert.equal(body.review.reason, REASON);
  assert.equal(JSON.stringify(body).includes(ME), false, "who decided stays with the reviewers");
});

test("applied from the CLI, the outcome shows the receipt in words and the replay timeline", { timeout: 180_000 }, async () => {
  const applied = await project.cli(["apply", "--proposal", ids.apply, "--config", project.built.configPath, "--store", project.store, "--json"]);
  assert.equal(applied.code, 0, applied.stderr + applied.stdout);
  assert.equal(JSON.parse(applied.stdout).status, "applied");

  await page.goto(new URL(`/proposals/${ids.apply}/outcome`, ui.url).toString());
  assert.match(await page.locator(".receipt-words").innerText(), /^Applied by direct_sql: 1 row changed in public\.invoices/);
  const steps = await page.locator(".timeline li .tl-kind").allInnerTexts();
  // The read the proposal was made from (the agent's earlier reads are on the review page), then the review and the write.
  assert.deepEqual(steps.filter((s) => s !== "Event"), ["Read", "Proposed", "Decided", "Writeback job", "Receipt"]);
  const timeline = await page.locator(".timeline").innerText();
  for (const piece of ["agent-7", ME, "billing_lead"]) assert.ok(timeline.includes(piece), `the timeline names ${piece}`);
  await screenshot("outcome");

  const exported = await page.request.get(new URL(`/proposals/${ids.apply}/replay.json`, ui.url).toString());
  assert.equal(exported.status(), 200);
  const replay = await exported.json();
  assert.equal(replay.format, "synapsor.replay.v1");
  assert.equal(replay.state, "applied");
  const markdown = await (await page.request.get(new URL(`/proposals/${ids.apply}/replay.md`, ui.url).toString())).text();
  assert.match(markdown, /^# Replay of proposal/);

  await page.goto(new URL("/?state=all", ui.url).toString());
  const states = await page.locator("table[data-triage] .badge").allInnerTexts();
  assert.deepEqual(states.sort(), ["Applied", "Rejected", "Review required"]);
  await screenshot("inbox");
});

test("the capabilities page shows what the model sees and never sees", { timeout: 60_000 }, async () => {
  await page.goto(new URL("/capabilities", ui.url).toString());
  const text = await page.locator("main").innerText();
  for (const piece of ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "internal_notes", "SUPPORT_DB_WRITE_URL", "execute_sql"]) {
    assert.ok(text.includes(piece), `capabilities show ${piece}`);
  }
  assert.equal(text.includes("postgres://"), false, "names of variables, never their values");
});
