// Every benchmark entry script in bench/ is a well-behaved command line (bench/lib/cli-args.ts):
// --help prints its usage and exits 0 before anything is built, measured or connected to; an
// unknown option is a short usage error with exit code 2 and no stack trace. The scripts are found
// from the directory listing, so a new one is covered without editing this file; a top-level file
// another bench file imports (bench/peers.ts, behind `npm run bench -- --peers`) is a library.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runProcess } from "../support/cli.ts";

const BENCH = join(REPO_ROOT, "bench");
const FILES = readdirSync(BENCH).filter((name) => name.endsWith(".ts")).sort();
const SOURCES = FILES.map((name) => readFileSync(join(BENCH, name), "utf8"));
const LIBRARIES = FILES.filter((name) => SOURCES.some((source) => source.includes(`"./${name}"`)));
const ENTRIES = FILES.filter((name) => !LIBRARIES.includes(name));

/** A script that got past its arguments would be slow; one that reached for the database would fail at once. */
const TIMEOUT_MS = 10_000;
const ENV = { ...process.env, TEST_PG_ADMIN_URL: "postgres://bench-cli-test@127.0.0.1:1/none" };
const run = (script: string, ...args: string[]) => runProcess(process.execPath, [join(BENCH, script), ...args], { env: ENV, timeoutMs: TIMEOUT_MS });

test("the entry scripts are told apart from the libraries", () => {
  assert.ok(ENTRIES.length >= 13, `found ${ENTRIES.join(", ")}`);
  assert.ok(ENTRIES.includes("read-latency.ts") && ENTRIES.includes("soak.ts"));
  assert.deepEqual(LIBRARIES, ["peers.ts"]);
});

// Two at a time: each is a Node.js process loading its imports, and the machine may have two cores.
test("every bench entry script", { concurrency: 2 }, async (t) => {
  await Promise.all(
    ENTRIES.flatMap((script) => [
      t.test(`${script} --help prints its usage and exits 0 without running`, async () => {
        const r = await run(script, "--help");
        assert.notEqual(r.code, -1, `killed after ${TIMEOUT_MS} ms: --help started the benchmark`);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Usage: /, r.stdout);
        assert.match(r.stdout, /-h, --help/);
        assert.equal(r.stderr, "");
      }),
      t.test(`${script} --no-such-flag is a usage error: exit 2, short, no stack trace`, async () => {
        const r = await run(script, "--no-such-flag");
        assert.notEqual(r.code, -1, `killed after ${TIMEOUT_MS} ms: an unknown option did not stop the script`);
        assert.equal(r.code, 2, r.stderr);
        const lines = r.stderr.trimEnd().split("\n");
        assert.match(lines[0]!, /--no-such-flag/);
        assert.ok(lines.length <= 3, r.stderr);
        assert.doesNotMatch(r.stderr, /^\s+at /m);
        assert.equal(r.stdout, "");
      }),
    ]),
  );
});

test("a library run by itself parses nothing and does nothing", async () => {
  for (const library of LIBRARIES) {
    const r = await run(library, "--no-such-flag");
    assert.deepEqual(r, { code: 0, stdout: "", stderr: "" }, library);
  }
});

test("bench:instructions measures one thing per run: --http and --cold-start together are refused", async () => {
  const r = await run("instructions.ts", "--http", "--cold-start");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^instructions: --http and --cold-start measure different things; give one$/m);
  assert.equal(r.stdout, "");
});

test("a number outside a script's range is a usage error that names the range", async () => {
  for (const [args, message] of [
    [["--clients", "99"], /^soak: --clients must be a whole number from 16 to 64, not '99'$/m],
    [["--duration", "1.5"], /^soak: --duration must be a whole number from 1 to 3600, not '1.5'$/m],
  ] as const) {
    const r = await run("soak.ts", ...args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "");
  }
  const r = await run("cli-start.ts", "--rounds", "0");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^cli-start: --rounds must be a whole number of at least 1, not '0'$/m);
});
