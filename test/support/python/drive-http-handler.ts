// Drives app handlers through the runner's real executors for the Python helper's tests
// (python/tests/): reads a JSON array of calls on stdin, runs each in order through the
// http_handler or command_handler executor, and prints the JSON array of receipts on stdout.
//   [{ "executor": "http_handler", "url": "...", "token": "...", "signingSecret": "...", "request": {...} },
//    { "executor": "command_handler", "command": "...", "request": {...} }]

import { createCommandHandlerExecutor } from "../../../runtime/executors/command-handler.ts";
import { createHttpHandlerExecutor } from "../../../runtime/executors/http-handler.ts";
import type { Executor } from "../../../runtime/executors/executor.ts";
import type { Receipt, WritebackRequest } from "../../../runtime/executors/protocol.ts";

interface HttpCall {
  executor: "http_handler";
  url: string;
  token?: string;
  signingSecret?: string;
  request: WritebackRequest;
}
interface CommandCall {
  executor: "command_handler";
  command: string;
  request: WritebackRequest;
}
type Call = HttpCall | CommandCall;

const TIMEOUT_MS = 15_000;

function executorFor(call: Call): Executor {
  if (call.executor === "http_handler") {
    return createHttpHandlerExecutor({
      url: call.url,
      ...(call.token ? { token: call.token } : {}),
      ...(call.signingSecret ? { signingSecret: call.signingSecret } : {}),
      timeoutMs: TIMEOUT_MS,
      method: "POST",
    });
  }
  if (call.executor === "command_handler") return createCommandHandlerExecutor({ command: call.command, timeoutMs: TIMEOUT_MS });
  throw new Error(`unknown executor ${(call as { executor: unknown }).executor}`);
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const calls = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Call[];
const receipts: Receipt[] = [];
for (const call of calls) {
  const executor = executorFor(call);
  try {
    receipts.push((await executor.execute(call.request)).receipt);
  } finally {
    await executor.close();
  }
}
process.stdout.write(JSON.stringify(receipts) + "\n");
