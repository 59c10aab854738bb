// The app's writeback endpoint for the runner's http_handler executor: a node:http server that
// hands every request to the helper. Start it with `node server.mjs`; it listens on
// 127.0.0.1:$PORT (default 8787) at /writeback.

import { createServer } from "node:http";
import { createWritebackHandler } from "synapsor-runner/handler";
import { appDatabase, capabilities, logError } from "../late-fee-waiver.mjs";

const handler = createWritebackHandler({
  tokenEnv: "BILLING_HANDLER_TOKEN",
  signingSecretEnv: "BILLING_HANDLER_SECRET",
  source: appDatabase(),
  capabilities,
  onError: logError,
});

const port = Number(process.env.PORT ?? 8787);
const server = createServer((req, res) => {
  if (req.url === "/writeback") return handler.node(req, res);
  res.writeHead(404).end();
});
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  console.log(`writeback handler listening on http://127.0.0.1:${address.port}/writeback`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => server.close(() => handler.close()));
}
