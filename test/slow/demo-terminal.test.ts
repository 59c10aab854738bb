// The demo at a terminal: while the embedded Postgres starts and the server builds, a live line
// counts the seconds (redrawn in place), then each step ends with a plain line. Run over a real
// pseudo-terminal (util-linux `script`); slow because it is a whole demo.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { CLI, REPO_ROOT } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { HAS_SCRIPT } from "../support/terminal.ts";

function demoOnTerminal(dir: string): Promise<{ code: number; output: string }> {
  const command = [process.execPath, CLI, "demo", "--dir", dir].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

test("on a terminal the slow steps show a live line, then a finished line with the cumulative time", { skip: !HAS_SCRIPT && "util-linux script is not installed" }, async () => {
  const r = await demoOnTerminal(join(tempDir("synapsor-demo-tty-test-"), "demo"));
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Times in brackets are cumulative/);
  for (const running of ["starting the embedded Postgres", "checking, type-checking and bundling the server"]) {
    // Drawn in place: a carriage return and "erase line" before each frame.
    assert.match(r.output, new RegExp(String.raw`\r\u001b\[2K[|/\\-] \[\d+\.\d s\] ${running} \.\.\.`), running);
  }
  for (const finished of ["embedded Postgres started", "built server.mjs"]) {
    assert.match(r.output, new RegExp(String.raw`\r\u001b\[2K\[\d+\.\d s\] ${finished}\r?\n`), finished);
  }
  assert.match(r.output, /billing\.propose_late_fee_waiver/, "and the demo goes on as before");
});
