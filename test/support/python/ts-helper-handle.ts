// Runs one signed request through the TypeScript helper with the billing app of
// test/fixtures/handlers/billing-app.ts, for python/tests/test_helper.py's swap test: the two
// helpers share the receipts table, so a change applied by one is already_applied for the other.
// stdin: { "engine": "postgres" | "mysql", "url": "...", "request": {...} }; stdout: the receipt.

import { signBody } from "../../../runtime/executors/signing.ts";
import { createWritebackHandler } from "../../../handler/index.ts";
import { ENV, SECRET, TOKEN, billingHandlerOptions } from "../../fixtures/handlers/billing-app.ts";

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { engine: "postgres" | "mysql"; url: string; request: { issued_at: string } };
process.env.TS_HELPER_DB_URL = input.url;
process.env[ENV.token] = TOKEN;
process.env[ENV.secret] = SECRET;
const handler = createWritebackHandler(billingHandlerOptions("TS_HELPER_DB_URL", input.engine));
try {
  const body = JSON.stringify(input.request);
  const response = await handler.handle({
    headers: { authorization: `Bearer ${TOKEN}`, "x-synapsor-signature": signBody(SECRET, body), "x-synapsor-issued-at": input.request.issued_at },
    body,
  });
  process.stdout.write(response.body + "\n");
} finally {
  await handler.close();
}
