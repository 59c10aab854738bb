// `server.mjs tools | head` and `synapsor-runner … | head`: a reader that closes the pipe early
// must end the listing quietly (exit 0, nothing on stderr), not with an EPIPE stack trace.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { CLI, REPO_ROOT, runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";

/** Runs the command with its stdout pipe closed by the reader before the command writes. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

test("the compiled server's tools and version, and the CLI, end quietly when the reader closes the pipe", async () => {
  const out = join(tempDir("synapsor-epipe-"), "out");
  const example = join(REPO_ROOT, "examples/support-billing");
  const built = await runCli(["build", "--config", join(example, "synapsor.runner.json"), "--schema", join(example, "synapsor.schema.json"), "--out", out]);
  assert.equal(built.code, 0, built.stderr);
  for (const args of [
    [join(out, "server.mjs"), "tools"],
    [join(out, "server.mjs"), "tools", "--json"],
    [join(out, "server.mjs"), "version"],
    [CLI, "--help"],
    [CLI, "tools", "preview", "--config", join(example, "synapsor.runner.json"), "--schema", join(example, "synapsor.schema.json")],
  ]) {
    const result = await withClosedStdout(args);
    assert.equal(result.stderr, "", `${args.slice(1).join(" ")}: nothing on stderr`);
    assert.equal(result.code, 0, args.slice(1).join(" "));
  }
});
