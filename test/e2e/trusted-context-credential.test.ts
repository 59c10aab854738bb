// A credential pasted where the tenant or principal belongs (issue 7, item 5, run-time half): the
// compiled server starts, logs one line naming the variable (never its value), and answers every
// call with CONFIGURATION_ERROR whose `_meta` carries no tenant or principal, over stdio and HTTP.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../support/example.ts";
import { buildServer, connectHttp, connectStdio, envelopeOf } from "../support/compiled-server.ts";
import { looksLikeCredential, redactCredentials } from "../../runtime/text/credentials.ts";

const PASSWORD = "Ctx-Pw-61d0-NEVER-LEAK";
const CREDENTIAL_URL = `postgres://writer:${PASSWORD}@db.internal:5432/app`;

describe("a trusted context value that looks like a URL with credentials", () => {
  let built: Awaited<ReturnType<typeof buildServer>>;
  before(async () => {
    const config = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8"));
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    built = await buildServer(config, { ...process.env });
  });

  const envWith = (values: Record<string, string>) => ({
    SUPPORT_DB_READ_URL: "postgres://reader@127.0.0.1:1/never_connected",
    SYNAPSOR_TENANT_ID: "tenant_acme",
    SYNAPSOR_PRINCIPAL: "agent-ctx",
    ...values,
  });

  const assertRefused = (envelope: any, stderr: string, variable: string) => {
    assert.equal(envelope.ok, false);
    assert.deepEqual([envelope.error.code, envelope.error.retryable], ["CONFIGURATION_ERROR", false]);
    assert.deepEqual([envelope._meta.tenant_id, envelope._meta.principal], [null, null]);
    assert.equal(JSON.stringify(envelope).includes(PASSWORD), false);
    const lines = stderr.split("\n").filter((l) => l.includes("trusted_context_refused"));
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, new RegExp(variable));
    assert.equal(stderr.includes(PASSWORD), false, "the log names the variable, never its value");
    assert.equal(stderr.includes("db.internal"), false);
  };

  test("stdio: the principal holding a database URL is refused on every call", async () => {
    const session = await connectStdio(built.serverPath, built.runDir, envWith({ SYNAPSOR_PRINCIPAL: CREDENTIAL_URL }), ["--store", join(built.runDir, "stdio.db")]);
    try {
      const read = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      const proposal = envelopeOf(
        await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "x" } }),
      );
      assert.equal(proposal.kind, "proposal");
      const { tools } = await session.client.listTools();
      assert.equal(tools.length, 3, "the tools are still listed, so the client can see why calls fail");
      await assert.rejects(session.client.readResource({ uri: "synapsor://proposals/pr_x" }));
      assertRefused(read, session.stderr(), "SYNAPSOR_PRINCIPAL");
      assertRefused(proposal, session.stderr(), "SYNAPSOR_PRINCIPAL");
    } finally {
      await session.close();
    }
  });

  test("HTTP: the tenant holding `scheme://user@host` is refused the same way", async () => {
    const session = await connectHttp(built.serverPath, built.runDir, envWith({ SYNAPSOR_TENANT_ID: `https://admin:${PASSWORD}@db.internal/` }), "http-token-0123456789abcdef", [
      "--store",
      join(built.runDir, "http.db"),
    ]);
    try {
      const read = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assertRefused(read, session.stderr(), "SYNAPSOR_TENANT_ID");
      // A server that refuses every call is never ready, and /readyz says so without the value.
      const readyz = await fetch(new URL("/readyz", session.url));
      const body = await readyz.text();
      assert.equal(readyz.status, 503);
      assert.equal(JSON.parse(body).checks.context, "fail");
      assert.equal(body.includes(PASSWORD) || body.includes("db.internal") || body.includes("SYNAPSOR"), false, body);
    } finally {
      await session.close();
    }
  });
});

describe("credentials in text", () => {
  test("URL userinfo, password parameters and known secrets are redacted; plain ids are not credentials", () => {
    assert.equal(
      redactCredentials(`connect failed for postgres://u:${PASSWORD}@h:5432/db?sslmode=require&password=${PASSWORD} (timeout)`),
      "connect failed for postgres://<redacted>@h:5432/db?sslmode=require&password=<redacted> (timeout)",
    );
    assert.equal(redactCredentials(`mysql://u:p@ss@word@h/db`), "mysql://<redacted>@h/db", "an unencoded @ in the password");
    assert.equal(redactCredentials("POST https://hooks.example/x?k=tok-123456 failed", ["https://hooks.example/x?k=tok-123456"]), "POST <redacted> failed");
    for (const value of ["tenant_acme", "agent@example.com", "urn:agent:42", "https://idp.example/users/7"]) assert.equal(looksLikeCredential(value), false, value);
    for (const value of [CREDENTIAL_URL, "https://user@host/", "mysql://root:@127.0.0.1/x"]) assert.equal(looksLikeCredential(value), true, value);
  });
});
