// The package as a new user installs it: `npm pack` of this repository, the tarball installed
// offline into an empty project, and everything run through what that install gives: the
// `synapsor-runner` bin, the compiled server it builds (alone in an empty directory), `mcp serve`,
// the demo, an app that imports synapsor-runner/handler and synapsor-runner/runtime, and the
// reviewed build output (src/, manifest.json) matching the repository's byte for byte. On the
// Node.js running the tests; supported-node.test.ts runs the same path on the oldest supported
// Node.js and sees older ones refused. Slow (a full `npm run build` and an offline install),
// hence `npm run test:slow`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { REPO_ROOT, runCli, runProcess } from "../support/cli.ts";
import { connectStdio, envelopeOf } from "../support/compiled-server.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { packAndInstall, runInstalledCli, serveInstalledAndRead, withNodeFirst, type InstalledPackage } from "../support/package.ts";
import { cookieFrom, rawRequest, startConsoleProcess } from "../support/console.ts";

const NODE = process.execPath;
const TOOLS = ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "support.list_open_tickets"];

/** Every file under dir, by its path relative to dir, with its text. */
function readTree(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(files.map((entry) => join(entry.parentPath, entry.name)).sort().map((path) => [relative(dir, path), readFileSync(path, "utf8")]));
}

describe("the installed package (npm pack, then npm install of the tarball)", () => {
  let installed: InstalledPackage;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let serverPath: string;

  before(async () => {
    [installed, db] = await Promise.all([packAndInstall(), createPostgresDatabase("srpkg")]);
    await seedExample(db);
    env = { ...process.env, SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-pkg" };
  });

  after(async () => {
    installed?.remove();
    if (serverPath) rmSync(dirname(serverPath), { recursive: true, force: true });
    await db?.drop();
  });

  test("the tarball holds the compiled code, its types and the shipped files, and nothing else", () => {
    const files = installed.tarballFiles;
    for (const required of [
      "package.json",
      "README.md",
      "LICENSE",
      "bin/synapsor-runner.js",
      "bin/node-guard.js",
      "dist/cli/main.js",
      "dist/runtime/index.js",
      "dist/runtime/index.d.ts",
      "dist/handler/index.js",
      "dist/handler/index.d.ts",
      "schemas/synapsor.runner.schema.json",
      "schemas/change-set.v1.schema.json",
      "schemas/app-handler-request.v1.schema.json",
      "schemas/app-handler-receipt.v1.schema.json",
      "schemas/execution-receipt.v1.schema.json",
      // Shipped on purpose: conformance cases for handlers written in any language.
      "schemas/fixtures/app-handler-request.v1.json",
      "schemas/fixtures/README.md",
      "templates/server.ts.hbs",
      "templates/console/review.hbs",
      "templates/console/assets/console.css",
      "templates/console/assets/console.js",
      "examples/support-billing/synapsor.runner.json",
      "docs/contract.md",
    ]) {
      assert.ok(files.includes(required), `${required} is missing from the tarball`);
    }
    const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|python\/(pyproject\.toml|README\.md|synapsor_handler\/[a-z_]+\.py)|bin\/[^/]+\.js|dist\/.+\.(js|d\.ts)|schemas\/.+\.json|schemas\/fixtures\/README\.md|templates\/.+\.hbs|templates\/console\/assets\/console\.(css|js)|examples\/.+|docs\/.+\.md)$/;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), [], "unexpected files in the tarball");
    // The JSON Schemas ship once, in schemas/: the code reads them from there, so tsc copies none into dist/.
    assert.deepEqual(files.filter((f) => f.startsWith("dist/schemas/")), []);
    // Node strips no types under node_modules: any .ts that is not a declaration could not run.
    assert.deepEqual(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("examples/")), []);
    assert.deepEqual(files.filter((f) => /^(bench|test|\.ci|node_modules)\//.test(f) || /tsconfig|package-lock/.test(f)), []);
    // tsc rewrote every relative specifier, static and dynamic, from .ts to .js.
    const tsSpecifiers = files
      .filter((f) => f.startsWith("dist/") && f.endsWith(".js"))
      .flatMap((f) => [...readFileSync(join(installed.packageDir, f), "utf8").matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+\.ts)["']/g)].map((m) => `${f}: ${m[1]}`));
    assert.deepEqual(tsSpecifiers, []);
  });

  test("npx synapsor-runner --help lists the commands", async () => {
    const help = await runProcess("npx", ["--offline", "synapsor-runner", "--help"], { cwd: installed.appDir, env: withNodeFirst(NODE, process.env) });
    assert.equal(help.code, 0, help.stderr);
    for (const command of ["build", "inspect", "mcp", "demo", "proposals", "apply"]) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
  });

  test("inspect and build the shipped example against a live database; the server runs alone in an empty directory", async () => {
    const project = join(installed.appDir, "billing");
    mkdirSync(project);
    copyFileSync(join(installed.packageDir, "examples/support-billing/synapsor.runner.json"), join(project, "synapsor.runner.json"));
    const cli = (args: string[]) => runInstalledCli(installed, NODE, args, { env, cwd: project });

    const inspect = await cli(["inspect", "--from-env", "SUPPORT_DB_READ_URL", "--json", "--output", "synapsor.schema.json"]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.ok(existsSync(join(project, "synapsor.schema.json")));

    const build = await cli(["build", "--config", "synapsor.runner.json", "--out", "generated", "--from-env", "SUPPORT_DB_READ_URL"]);
    assert.equal(build.code, 0, build.stderr + build.stdout);
    assert.match(build.stdout, /proposal billing\.propose_late_fee_waiver/);

    const runDir = mkdtempSync(join(tmpdir(), "synapsor-pkg-run-"));
    serverPath = join(runDir, "server.mjs");
    copyFileSync(join(project, "generated", "server.mjs"), serverPath);
    const tools = await runProcess(NODE, [serverPath, "tools", "--json"], { cwd: runDir, env });
    assert.equal(tools.code, 0, tools.stderr);
    const names = (JSON.parse(tools.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name).sort();
    assert.deepEqual(names, TOOLS);

    const session = await connectStdio(serverPath, runDir, { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-pkg" }, [
      "--store",
      join(runDir, "ledger.db"),
    ]);
    try {
      const read = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(read.ok, true, JSON.stringify(read.error));
      assert.equal(read.data.late_fee_cents, 2500);
    } finally {
      await session.close();
    }
  });

  test("an app imports synapsor-runner/handler and synapsor-runner/runtime, runs, and type-checks against the shipped declarations", async () => {
    writeFileSync(
      join(installed.appDir, "app.mjs"),
      `import { createWritebackHandler, versionsMatch } from "synapsor-runner/handler";
import { defineRead, runServerCli } from "synapsor-runner/runtime";
import { createRequire } from "node:module";
const handler = createWritebackHandler({
  tokenEnv: "APP_HANDLER_TOKEN",
  source: { engine: "postgres", urlEnv: "APP_DATABASE_URL" },
  capabilities: {},
});
const unauthenticated = await handler.handle({ headers: {}, body: "{}" });
await handler.close();
console.log(JSON.stringify({
  status: unauthenticated.status,
  code: JSON.parse(unauthenticated.body).safe_error_code,
  versionsMatch: versionsMatch("2026-05-16T09:30:00.123Z", "2026-05-16T09:30:00.123456Z"),
  runtime: [typeof defineRead, typeof runServerCli],
  schema: createRequire(import.meta.url).resolve("synapsor-runner/schemas/synapsor.runner.schema.json").endsWith("/node_modules/synapsor-runner/schemas/synapsor.runner.schema.json"),
  fixture: createRequire(import.meta.url)("synapsor-runner/schemas/fixtures/app-handler-request.v1.json").protocol_version,
}));
`,
    );
    const run = await runProcess(NODE, ["app.mjs"], {
      cwd: installed.appDir,
      env: { ...process.env, APP_HANDLER_TOKEN: "app-token-0123456789", APP_DATABASE_URL: db.url },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      status: 401,
      code: "HANDLER_REJECTED_AUTH",
      versionsMatch: true,
      runtime: ["function", "function"],
      schema: true,
      fixture: "1.0",
    });

    writeFileSync(
      join(installed.appDir, "app.ts"),
      `import { createWritebackHandler, type WritebackHandler, type WritebackHandlerOptions } from "synapsor-runner/handler";
import type { Envelope, ServerDefinition } from "synapsor-runner/runtime";

const options: WritebackHandlerOptions = {
  tokenEnv: "APP_HANDLER_TOKEN",
  source: { engine: "mysql", urlEnv: "APP_DATABASE_URL" },
  capabilities: {},
};
export const handler: WritebackHandler = createWritebackHandler(options);
export const summary = (envelope: Envelope): string => envelope.summary;
export type Sources = ServerDefinition["sources"];

// The declarations are real types, not any: each of these must be an error.
// @ts-expect-error engine is "postgres" | "mysql"
export const wrongEngine: WritebackHandlerOptions = { source: { engine: "oracle", urlEnv: "X" }, capabilities: {} };
// @ts-expect-error summary is a string
export const wrongSummary = (envelope: Envelope): number => envelope.summary;
`,
    );
    // TypeScript 7 with no tsconfig: it includes no @types unless told, so this also proves the
    // declarations bring in the Node.js types they use.
    const tsc = await runProcess(
      NODE,
      [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2023", "app.ts"],
      { cwd: installed.appDir },
    );
    assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  });

  // .ci/run makes this venv (Debian's Python, no PyPI) before the tests; a machine without it skips.
  const venvPython = join(REPO_ROOT, ".venv-python", "bin", "python");
  test("the Python helper ships in the package and pip installs from it, offline", { skip: existsSync(venvPython) ? false : "no .venv-python (made by .ci/run)" }, async () => {
    const target = mkdtempSync(join(tmpdir(), "synapsor-pip-"));
    try {
      const pip = await runProcess(venvPython, ["-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-index", "--no-deps", "--target", target, join(installed.packageDir, "python")], { cwd: installed.appDir });
      assert.equal(pip.code, 0, pip.stderr + pip.stdout);
      const imported = await runProcess(venvPython, ["-c", "import synapsor_handler, sys; print(synapsor_handler.PROTOCOL_VERSION); print(synapsor_handler.__file__)"], { cwd: installed.appDir, env: { ...process.env, PYTHONPATH: target } });
      assert.equal(imported.code, 0, imported.stderr);
      const [version, file] = imported.stdout.trim().split("\n");
      assert.equal(version, "1.0");
      assert.ok(file!.startsWith(target), `imported from the pip install, not the repository: ${file}`);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  test("src/ and manifest.json are the same whether the repository or the installed package builds them", async () => {
    const example = join(installed.packageDir, "examples/support-billing");
    // Each project holds its own copy of the config: the output records the ledger's path relative
    // to itself, so the two builds agree when config and output sit alike.
    const build = (run: typeof runCli, cwd: string) => {
      for (const file of ["synapsor.runner.json", "synapsor.schema.json"]) copyFileSync(join(example, file), join(cwd, file));
      return run(["build", "--config", "synapsor.runner.json", "--schema", "synapsor.schema.json", "--out", "generated"], { cwd });
    };
    const fromRepository = mkdtempSync(join(tmpdir(), "synapsor-pkg-repo-"));
    const fromPackage = join(installed.appDir, "cross-installation");
    mkdirSync(fromPackage);
    try {
      const repo = await build(runCli, fromRepository);
      assert.equal(repo.code, 0, repo.stderr + repo.stdout);
      const pkg = await build((args, options) => runInstalledCli(installed, NODE, args, options), fromPackage);
      assert.equal(pkg.code, 0, pkg.stderr + pkg.stdout);
      const reviewed = (dir: string) => new Map([...readTree(join(dir, "generated"))].filter(([path]) => path !== "server.mjs"));
      const expected = reviewed(fromRepository);
      assert.ok(expected.has("manifest.json") && [...expected.keys()].some((path) => path.startsWith("src/")), [...expected.keys()].join(", "));
      assert.deepEqual(reviewed(fromPackage), expected);
    } finally {
      rmSync(fromRepository, { recursive: true, force: true });
    }
  });

  test("without TypeScript's compiler for the platform (an install with --omit=optional), build stops with TYPECHECK_UNAVAILABLE and the fix", async () => {
    const compilerPackage = join(installed.appDir, "node_modules", "@typescript", `typescript-${process.platform}-${process.arch}`);
    const aside = `${compilerPackage}.aside`;
    const project = join(installed.appDir, "no-compiler");
    mkdirSync(project);
    for (const file of ["synapsor.runner.json", "synapsor.schema.json"]) copyFileSync(join(installed.packageDir, "examples/support-billing", file), join(project, file));
    renameSync(compilerPackage, aside);
    try {
      const build = await runInstalledCli(installed, NODE, ["build", "--config", "synapsor.runner.json", "--schema", "synapsor.schema.json", "--out", "generated", "--json"], { cwd: project });
      assert.equal(build.code, 1, build.stderr + build.stdout);
      const report = JSON.parse(build.stdout) as { ok: boolean; stage: string; diagnostics: Array<{ code: string; fix: string }> };
      assert.equal(report.ok, false);
      assert.equal(report.stage, "type-check");
      assert.deepEqual(report.diagnostics.map((d) => d.code), ["TYPECHECK_UNAVAILABLE"]);
      assert.match(report.diagnostics[0]!.fix, /--omit=optional/);
      assert.equal(existsSync(join(project, "generated")), false, "nothing is written when the check cannot run");
    } finally {
      renameSync(aside, compilerPackage);
    }
  });

  test("mcp serve builds the config and serves it over stdio", async () => {
    const example = join(installed.packageDir, "examples/support-billing");
    const project = join(installed.appDir, "serve");
    mkdirSync(project);
    const { tools, envelope } = await serveInstalledAndRead(installed, NODE, {
      args: ["--config", join(example, "synapsor.runner.json"), "--store", join(project, "serve.db"), "--schema", join(example, "synapsor.schema.json")],
      cwd: project,
      env: { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-pkg" },
    });
    assert.deepEqual(tools, TOOLS);
    assert.equal(envelope.ok, true, JSON.stringify(envelope.error));
  });

  test("the own-database path from the install: init by flags, build, smoke call, doctor, client snippet", async () => {
    const project = join(installed.appDir, "own-db");
    mkdirSync(project);
    const cli = (args: string[]) => runInstalledCli(installed, NODE, args, { env, cwd: project });

    const init = await cli([
      "init", "--non-interactive", "--from-env", "SUPPORT_DB_READ_URL", "--table", "invoices", "--tenant-column", "tenant_id",
      "--primary-key", "id", "--mode", "review", "--patch", "late_fee_cents=arg:new_late_fee_cents,status=fixed:open",
      "--patch-bounds", "late_fee_cents=0:10000", "--conflict-column", "updated_at", "--write-url-env", "SUPPORT_DB_WRITE_URL",
    ]);
    assert.equal(init.code, 0, init.stderr + init.stdout);
    for (const file of ["synapsor.runner.json", "synapsor.schema.json", ".env.example", ".synapsor/clients/claude-desktop.json"]) {
      assert.ok(existsSync(join(project, file)), file);
    }

    const build = await cli(["build", "--config", "synapsor.runner.json", "--from-env", "SUPPORT_DB_READ_URL"]);
    assert.equal(build.code, 0, build.stderr + build.stdout);

    const smoke = await cli(["smoke", "call", "--config", "synapsor.runner.json", "--tool", "invoices.inspect_invoice", "--args", '{"id":"INV-3001"}', "--json"]);
    assert.equal(smoke.code, 0, smoke.stderr + smoke.stdout);
    const envelope = JSON.parse(smoke.stdout) as { ok: boolean; data: { late_fee_cents: number } };
    assert.equal(envelope.ok, true, smoke.stdout);
    assert.equal(envelope.data.late_fee_cents, 2500);

    // The test database's login is a superuser, so the read-only check fails; everything else holds.
    const doctor = await cli(["doctor", "--config", "synapsor.runner.json", "--json"]);
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; category: string }> };
    const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.category);
    assert.deepEqual(failed, ["read_only_session"], doctor.stdout);
    assert.equal(doctor.code, 1);

    const snippet = await cli(["mcp", "config", "claude-desktop", "--config", "synapsor.runner.json", "--store", ".synapsor/local.db"]);
    assert.equal(snippet.code, 0, snippet.stderr);
    const servers = (JSON.parse(snippet.stdout) as { mcpServers: Record<string, { command: string; args: string[] }> }).mcpServers;
    const [server] = Object.values(servers);
    assert.ok(server, snippet.stdout);
    // The snippet starts the installed package's own CLI, by absolute paths that exist.
    for (const path of [server.command, ...server.args.filter((a) => a.startsWith("/"))]) assert.ok(existsSync(path.replace(/^--env-file=/, "")) || path.endsWith(".env") || path.endsWith(".db"), path);
    assert.ok(server.args.some((a) => a.startsWith(installed.packageDir) || a.includes("node_modules/synapsor-runner")), server.args.join(" "));
    assert.doesNotMatch(snippet.stdout, /postgres(ql)?:\/\//);
  });

  test("the demo runs end to end", async () => {
    const demo = await runInstalledCli(installed, NODE, ["demo", "--dir", join(installed.appDir, "demo")], { env, timeoutMs: 180_000 });
    assert.equal(demo.code, 0, demo.stderr + demo.stdout);
    assert.match(demo.stdout, /\nDone in [\d.]+ s\./);

    // The review console the demo points to, served by the installed package (its views and assets ship).
    const waiting = /^15\. .* → (wrp_[a-z0-9]+), review_required/m.exec(demo.stdout)?.[1];
    const command = /^  synapsor-runner ui (--config \S+ --schema \S+ --store \S+)$/m.exec(demo.stdout)?.[1];
    assert.ok(waiting && command, demo.stdout);
    const bin = join(installed.appDir, "node_modules", ".bin", "synapsor-runner");
    const ui = await startConsoleProcess([...command.split(" "), "--port", "0"], withNodeFirst(NODE, env), { command: bin, cwd: installed.appDir });
    try {
      const host = { Host: `127.0.0.1:${ui.port}` };
      const cookie = cookieFrom(await rawRequest(ui.port, "GET", `/?token=${ui.token}`, host));
      const page = await rawRequest(ui.port, "GET", `/proposals/${waiting}`, { ...host, Cookie: cookie });
      assert.equal(page.status, 200, page.body);
      assert.ok(page.body.includes("INV-3005"));
      const css = await rawRequest(ui.port, "GET", "/assets/console.css", { ...host, Cookie: cookie });
      assert.equal(css.status, 200);
      assert.match(String(css.headers["content-type"]), /text\/css/);
    } finally {
      await ui.stop();
    }
  });
});
