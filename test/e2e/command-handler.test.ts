// The command_handler executor with real child processes: request on stdin, receipt on
// stdout; bad JSON, a non-zero exit and a hang become failed receipts, and a hung command's
// whole process group is stopped. One case runs a helper-built command over real Postgres.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCommandHandlerExecutor, type CommandHandlerExecutorOptions } from "../../runtime/executors/command-handler.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { schemaSql, selectRows, writebackRequest } from "../fixtures/handlers/billing-app.ts";
import { schemaChecked } from "../support/protocol-schemas.ts";

/** The executor under test; every request and receipt is also checked against the published schemas. */
const commandExecutor = (options: CommandHandlerExecutorOptions) => schemaChecked(createCommandHandlerExecutor(options));

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/handlers/${name}`, import.meta.url));
const node = (script: string, ...args: string[]) => [process.execPath, fixture(script), ...args].map((a) => `'${a}'`).join(" ");

/** Running, as opposed to gone or a zombie waiting for a (container) init to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe("command_handler executor", () => {
  test("a command that answers a receipt on stdout is applied; stderr goes only to internal", async () => {
    const request = writebackRequest({ objectId: "INV-7" });
    const { receipt, internal } = await commandExecutor({ command: node("receipt-ok.mjs"), timeoutMs: 10_000 }).execute(request);
    assert.equal(receipt.status, "applied");
    assert.equal(receipt.previous_version, request.change_set.guards.expected_version?.value);
    assert.deepEqual(receipt.details.effects, [{ type: "script.applied", id: "INV-7" }]);
    assert.ok(!JSON.stringify(receipt).includes("diagnostic line"));
    assert.match(internal ?? "", /diagnostic line/);
  });

  test("output that is not JSON is HANDLER_BAD_RESPONSE", async () => {
    const { receipt, internal } = await commandExecutor({ command: node("bad-json.mjs"), timeoutMs: 10_000 }).execute(writebackRequest({}));
    assert.equal(receipt.status, "failed");
    assert.equal(receipt.safe_error_code, "HANDLER_BAD_RESPONSE");
    assert.ok(!JSON.stringify(receipt).includes("db.internal"));
    assert.match(internal ?? "", /db\.internal/);
  });

  test("a non-zero exit is HANDLER_FAILED; its stderr stays out of the receipt", async () => {
    const { receipt, internal } = await commandExecutor({ command: node("exit-nonzero.mjs"), timeoutMs: 10_000 }).execute(writebackRequest({}));
    assert.equal(receipt.status, "failed");
    assert.equal(receipt.safe_error_code, "HANDLER_FAILED");
    assert.match(receipt.message, /status 3/);
    assert.ok(!JSON.stringify(receipt).includes("password"));
    assert.match(internal ?? "", /password authentication failed/);
  });

  test("a command that hangs is stopped with its process group: HANDLER_TIMEOUT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sr-cmd-"));
    try {
      const pidFile = join(dir, "pid");
      // The shell pipeline keeps sh as the parent, so only a group kill ends the node child.
      const command = `${node("hang.mjs", pidFile)} | cat`;
      // The command never ends, so an answer at all means the timeout stopped it.
      const { receipt } = await commandExecutor({ command, timeoutMs: 1500 }).execute(writebackRequest({}));
      assert.equal(receipt.status, "failed");
      assert.equal(receipt.safe_error_code, "HANDLER_TIMEOUT");
      const pid = Number(readFileSync(pidFile, "utf8"));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(pid), false, "the grandchild was killed too");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a command that cannot run is HANDLER_FAILED (the shell reports 127)", async () => {
    const { receipt } = await commandExecutor({ command: "/nonexistent/handler-binary", timeoutMs: 5000 }).execute(writebackRequest({}));
    assert.equal(receipt.status, "failed");
    assert.equal(receipt.safe_error_code, "HANDLER_FAILED");
  });
});

describe("command_handler executor → helper runCommand over Postgres", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createDatabase("postgres", "srch");
    await db.exec(schemaSql("postgres"));
    process.env.TEST_COMMAND_APP_DB_URL = db.url;
  });
  after(async () => {
    await db?.drop();
  });

  test("applied once, already_applied on the retry, one credit row", async () => {
    const executor = commandExecutor({ command: node("helper-command.ts"), timeoutMs: 20_000 });
    const request = writebackRequest({ objectId: "INV-1" });
    const first = await executor.execute(request);
    assert.equal(first.receipt.status, "applied", JSON.stringify(first));
    const second = await executor.execute(request);
    assert.equal(second.receipt.status, "already_applied");
    assert.equal((await selectRows(db, "SELECT * FROM credits WHERE invoice_id = 'INV-1'")).length, 1);
  });
});

test("a command whose descendant escapes the process group still times out", async () => {
  // setsid puts the sleeper in a new session: the group kill misses it and it holds stdout open.
  // It sleeps far longer than any test, so finding it still alive when the executor has answered
  // shows the executor did not wait for it (a check of behaviour, not of a stopwatch).
  const dir = mkdtempSync(join(tmpdir(), "sr-cmd-escape-"));
  const pidFile = join(dir, "pid");
  const command = `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 600' & wait`;
  try {
    const { receipt } = await commandExecutor({ command, timeoutMs: 2000 }).execute(writebackRequest({}));
    assert.equal(receipt.safe_error_code, "HANDLER_TIMEOUT");
    await waitForFile(pidFile);
    const pid = Number(readFileSync(pidFile, "utf8"));
    assert.equal(alive(pid), true, "the escaped process still runs: the executor answered without waiting for it");
    process.kill(pid, "SIGKILL");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The escaped shell writes its pid as its first act; a generous limit only guards against a hang. */
async function waitForFile(path: string): Promise<void> {
  for (let waited = 0; !existsSync(path) || readFileSync(path, "utf8").trim() === ""; waited += 50) {
    if (waited > 30_000) assert.fail(`${path} was never written: the escaped process did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
