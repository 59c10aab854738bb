// Declared reviewers (operator/review/reviewers.ts): where they are read from, how a CLI user is
// established as one of them, and which role they may decide in.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Contract } from "../../compiler/config/contract.ts";
import {
  credentialHash,
  credentialMatches,
  establishCliReviewer,
  loadReviewers,
  mintReviewerToken,
  reviewerRole,
  type Reviewer,
  type ReviewerDeclaration,
} from "../../operator/review/reviewers.ts";
import { fullContractCopy } from "../fixtures/configs/full-contract.ts";
import { runCli } from "../support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "reviewers-"));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A directory holding the contract and, optionally, synapsor.reviewers.json. */
function project(contract: Contract, reviewersFile?: unknown): string {
  const dir = join(root, `p${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "synapsor.runner.json"), JSON.stringify(contract));
  if (reviewersFile !== undefined) writeFileSync(join(dir, "synapsor.reviewers.json"), typeof reviewersFile === "string" ? reviewersFile : JSON.stringify(reviewersFile));
  return join(dir, "synapsor.runner.json");
}

/** The full fixture without its own reviewers, so each test declares them where it means to. */
function contractWithoutReviewers(): Contract {
  const c = fullContractCopy();
  delete c.reviewers;
  return c;
}

const TOKEN = "srv_test-token-for-dana";
const REVIEWERS = [
  { id: "dana", name: "Dana Whitfield", roles: ["billing_lead", "support"], os_users: ["dwhit"], credential_sha256: credentialHash(TOKEN) },
  { id: "lee", roles: ["support"] },
];

function declaredIn(configPath: string): Extract<ReviewerDeclaration, { declared: true }> {
  const loaded = loadReviewers(configPath);
  assert.ok(loaded.ok, loaded.ok ? "" : JSON.stringify(loaded.diagnostics));
  assert.equal(loaded.declaration.declared, true);
  return loaded.declaration as Extract<ReviewerDeclaration, { declared: true }>;
}

describe("loadReviewers", () => {
  test("no declaration anywhere: declared false", () => {
    const loaded = loadReviewers(project(contractWithoutReviewers()));
    assert.deepEqual(loaded, { ok: true, declaration: { declared: false } });
  });

  test("in the contract: reviewers with defaults filled in (name = id, os_users = [id])", () => {
    const contract = { ...contractWithoutReviewers(), reviewers: REVIEWERS };
    const path = project(contract);
    const d = declaredIn(path);
    assert.equal(d.source, path);
    assert.deepEqual(d.reviewers, [
      { id: "dana", name: "Dana Whitfield", roles: ["billing_lead", "support"], osUsers: ["dwhit"], credentialSha256: credentialHash(TOKEN) },
      { id: "lee", name: "lee", roles: ["support"], osUsers: ["lee"], credentialSha256: null },
    ]);
  });

  test("in synapsor.reviewers.json next to the contract: the same shape", () => {
    const path = project(contractWithoutReviewers(), { reviewers: REVIEWERS });
    const d = declaredIn(path);
    assert.match(d.source, /synapsor\.reviewers\.json$/);
    assert.deepEqual(d.reviewers.map((r) => r.id), ["dana", "lee"]);
  });

  test("declared in both places: refused with the fix", () => {
    const loaded = loadReviewers(project({ ...contractWithoutReviewers(), reviewers: REVIEWERS }, { reviewers: REVIEWERS }));
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    assert.equal(loaded.diagnostics[0]!.code, "REVIEWERS_DECLARED_TWICE");
    assert.match(loaded.diagnostics[0]!.fix, /Keep one/);
  });

  test("a reviewers file of the wrong shape: diagnostics from the contract schema, naming the file and the place in it", () => {
    const loaded = loadReviewers(project(contractWithoutReviewers(), { reviewers: [{ id: "Dana!", roles: [], credential: "plain-secret" }] }));
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    const found = loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n");
    assert.ok(loaded.diagnostics.every((d) => d.pointer === ""), "pointers are into the contract; these are not");
    assert.match(found, /UNKNOWN_PROPERTY In synapsor\.reviewers\.json at \/reviewers\/0\/credential:/);
    assert.match(found, /In synapsor\.reviewers\.json at \/reviewers\/0\/id:/);
    assert.match(found, /In synapsor\.reviewers\.json at \/reviewers\/0\/roles:/);
    assert.ok(!found.includes("plain-secret"));
  });

  test("a reviewers file that breaks the rules: a required role nobody holds, an OS user mapped twice", () => {
    const loaded = loadReviewers(project(contractWithoutReviewers(), { reviewers: [{ id: "lee", roles: ["support"] }, { id: "kim", roles: ["ops"], os_users: ["lee"] }] }));
    assert.equal(loaded.ok, false);
    if (loaded.ok) return;
    assert.deepEqual(loaded.diagnostics.map((d) => `${d.code}@${d.pointer}`).sort(), [
      "REQUIRED_ROLE_UNDECLARED@/capabilities/2/approval/required_role",
      "SHARED_OS_USER@",
    ]);
    assert.match(loaded.diagnostics.find((d) => d.code === "SHARED_OS_USER")!.message, /^In synapsor\.reviewers\.json at \/reviewers\/1\/os_users\/0: /);
  });

  test("a reviewers file that is not JSON: INVALID_JSON, not a crash", () => {
    const loaded = loadReviewers(project(contractWithoutReviewers(), "{ reviewers: "));
    assert.equal(loaded.ok, false);
    if (!loaded.ok) assert.equal(loaded.diagnostics[0]!.code, "INVALID_JSON");
  });
});

describe("credentials", () => {
  test("a minted token hashes to the printed hash, and only that token matches", () => {
    const { token, sha256 } = mintReviewerToken();
    assert.match(token, /^srv_[A-Za-z0-9_-]{43}$/);
    assert.equal(sha256, credentialHash(token));
    const reviewer: Reviewer = { id: "x", name: "x", roles: ["r"], osUsers: ["x"], credentialSha256: sha256 };
    assert.equal(credentialMatches(reviewer, token), true);
    assert.equal(credentialMatches(reviewer, token + "x"), false);
    assert.equal(credentialMatches({ ...reviewer, credentialSha256: null }, token), false);
  });
});

describe("establishCliReviewer", () => {
  const declaration = () => declaredIn(project({ ...contractWithoutReviewers(), reviewers: REVIEWERS }));
  const who = { tokenEnv: "SYNAPSOR_REVIEWER_TOKEN" };

  test("the OS user maps through os_users, or through the id of a reviewer without os_users", () => {
    const d = declaration();
    const dana = establishCliReviewer(d, { ...who, osUser: "dwhit" });
    assert.ok(dana.ok);
    assert.equal(dana.reviewer.id, "dana");
    assert.equal(dana.establishedBy, "os_user");
    const lee = establishCliReviewer(d, { ...who, osUser: "lee" });
    assert.ok(lee.ok && lee.reviewer.id === "lee");
    // dana declared os_users, so the OS user named like her id is not her.
    const impostor = establishCliReviewer(d, { ...who, osUser: "dana" });
    assert.equal(impostor.ok, false);
    if (!impostor.ok) assert.equal(impostor.refusal.code, "REVIEWER_UNKNOWN");
  });

  test("--reviewer with the right token is established by credential from any OS account", () => {
    const r = establishCliReviewer(declaration(), { ...who, osUser: "ci-runner", reviewerId: "dana", token: TOKEN });
    assert.ok(r.ok);
    assert.equal(r.reviewer.id, "dana");
    assert.equal(r.establishedBy, "credential");
  });

  test("a wrong token and an unknown reviewer get the same answer; a reviewer without a credential cannot use one", () => {
    const d = declaration();
    const wrong = establishCliReviewer(d, { ...who, osUser: "x", reviewerId: "dana", token: "srv_guess" });
    const unknown = establishCliReviewer(d, { ...who, osUser: "x", reviewerId: "nobody", token: TOKEN });
    const noCredential = establishCliReviewer(d, { ...who, osUser: "x", reviewerId: "lee", token: TOKEN });
    for (const r of [wrong, unknown, noCredential]) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.refusal.code, "CREDENTIAL_REFUSED");
    }
    if (!wrong.ok && !unknown.ok) assert.equal(wrong.refusal.message, unknown.refusal.message);
    if (!wrong.ok) assert.ok(!wrong.refusal.message.includes("srv_guess") && !wrong.refusal.message.includes("dana"));
  });

  test("--reviewer without the token variable set says which variable", () => {
    const r = establishCliReviewer(declaration(), { ...who, osUser: "x", reviewerId: "dana" });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.refusal.code, "CREDENTIAL_MISSING");
      assert.match(r.refusal.message, /SYNAPSOR_REVIEWER_TOKEN/);
    }
  });

  test("--actor must name the established reviewer", () => {
    const d = declaration();
    assert.ok(establishCliReviewer(d, { ...who, osUser: "dwhit", actor: "dana" }).ok);
    const other = establishCliReviewer(d, { ...who, osUser: "dwhit", actor: "lee" });
    assert.equal(other.ok, false);
    if (!other.ok) assert.equal(other.refusal.code, "ACTOR_MISMATCH");
  });
});

describe("reviewerRole", () => {
  const dana: Reviewer = { id: "dana", name: "Dana", roles: ["billing_lead", "support"], osUsers: ["dwhit"], credentialSha256: null };
  const lee: Reviewer = { id: "lee", name: "lee", roles: ["support"], osUsers: ["lee"], credentialSha256: null };

  test("a requested role must be declared for the reviewer", () => {
    assert.deepEqual(reviewerRole(dana, "support", { approving: true }), { ok: true, role: "support" });
    const r = reviewerRole(lee, "billing_lead", { approving: false });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.refusal.code, "ROLE_NOT_DECLARED");
  });

  test("no role asked: the required role when held, else the only role, else none", () => {
    assert.deepEqual(reviewerRole(dana, undefined, { requiredRole: "billing_lead", approving: true }), { ok: true, role: "billing_lead" });
    assert.deepEqual(reviewerRole(lee, undefined, { approving: true }), { ok: true, role: "support" });
    assert.deepEqual(reviewerRole(dana, undefined, { approving: true }), { ok: true, role: undefined });
  });

  test("approving where the required role is not held is refused; rejecting is not", () => {
    const r = reviewerRole(lee, undefined, { requiredRole: "billing_lead", approving: true });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.refusal.message, /Another reviewer must approve it/);
    assert.deepEqual(reviewerRole(lee, undefined, { requiredRole: "billing_lead", approving: false }), { ok: true, role: "support" });
  });
});

describe("CLI: reviewers token / list", () => {
  test("token prints only the token on stdout and the hash line to paste on stderr", async () => {
    const r = await runCli(["reviewers", "token", "dana"]);
    assert.equal(r.code, 0, r.stderr);
    const token = r.stdout.trim();
    assert.match(token, /^srv_[A-Za-z0-9_-]{43}$/);
    assert.ok(r.stderr.includes(`"credential_sha256": "${credentialHash(token)}"`), r.stderr);
    assert.ok(!r.stderr.includes(token), "the token is printed once");
    const bad = await runCli(["reviewers", "token", "Dana Whitfield"]);
    assert.equal(bad.code, 1);
  });

  test("config validate checks synapsor.reviewers.json too, as build does", async () => {
    const path = project(contractWithoutReviewers(), { reviewers: [{ id: "lee", roles: ["support"] }] });
    const r = await runCli(["config", "validate", "--config", path, "--json"]);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout).diagnostics.map((d: { code: string }) => d.code), ["REQUIRED_ROLE_UNDECLARED"]);
  });

  test("list names the source, roles, OS users and whether a credential is set, never the hash", async () => {
    const path = project({ ...contractWithoutReviewers(), reviewers: REVIEWERS });
    const json = await runCli(["reviewers", "list", "--config", path, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      declared: true,
      source: path,
      reviewers: [
        { id: "dana", name: "Dana Whitfield", roles: ["billing_lead", "support"], osUsers: ["dwhit"], hasCredential: true },
        { id: "lee", name: "lee", roles: ["support"], osUsers: ["lee"], hasCredential: false },
      ],
    });
    assert.ok(!json.stdout.includes(credentialHash(TOKEN)));
    // A name and role are config text: control and bidi characters are shown escaped, never sent raw.
    const hostile = project({ ...contractWithoutReviewers(), reviewers: [{ id: "kim", name: "Kim\u202e\u001b[31m", roles: ["billing_lead", "audit\u0007"] }] });
    const listed = await runCli(["reviewers", "list", "--config", hostile]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!/[\u202e\u001b\u0007]/.test(listed.stdout), JSON.stringify(listed.stdout));
    assert.match(listed.stdout, /Kim\\u202e\\u001b\[31m/);
    const none = await runCli(["reviewers", "list", "--config", project(contractWithoutReviewers())]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /No reviewers are declared .*self-declared/);
  });
});
