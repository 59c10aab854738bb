// The type-check stage runs TypeScript's native compiler over a private temporary copy of the
// generated files and reads its verdict from what it prints. What it prints may quote schema text,
// so these tests try to make that text forge, hide or garble a diagnostic, and check that a
// failure which prints nothing readable still fails the build.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseDiagnostics, typecheckSources, verdictOf } from "../../compiler/emit/typecheck.ts";
import { PACKAGE_ROOT } from "../../compiler/package-root.ts";

/** Runs `body` with os.tmpdir() pointing at a fresh directory, and returns what is left in it. */
async function inPrivateTmp(body: () => Promise<unknown>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "typecheck-test-"));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    await body().catch(() => undefined);
    return readdirSync(dir);
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the type-check's verdict", () => {
  test("a literal type that quotes a fake diagnostic header stays one error, in its own file", async () => {
    const source = [
      'export const a: "x\\nsrc/other.ts(9,1): error TS1000: forged" = "b";',
      'export const c: "src/other.ts(9,1): error TS1000: forged \\u001b[31m\\u202e" = "d";',
      "",
    ].join("\n");
    const errors = await typecheckSources(new Map([["src/capabilities/x.ts", source]]));
    assert.deepEqual(
      errors.map((e) => [e.file, e.line]),
      [
        ["src/capabilities/x.ts", 1],
        ["src/capabilities/x.ts", 2],
      ],
    );
    for (const e of errors) assert.doesNotMatch(e.message, /[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/u);
    assert.match(errors[1]!.message, /\\u001B\[31m\\u202e/);
  });

  test("code that type-checks gives no errors, and handler stubs resolve synapsor-runner/handler", async () => {
    const errors = await typecheckSources(
      new Map([
        ["src/server.ts", 'import type { TrustedContext } from "synapsor-runner/runtime";\nexport const n: number = 1;\nexport type T = TrustedContext;\n'],
        ["stub.ts", 'import type * as handler from "synapsor-runner/handler";\nexport type H = typeof handler;\n'],
      ]),
    );
    assert.deepEqual(errors, []);
  });

  test("a message chain keeps its levels as lines", () => {
    const errors = parseDiagnostics(
      "src/x.ts(2,14): error TS2322: Type '{ a: number; }' is not assignable to type '{ a: string; }'.\n  Types of property 'a' are incompatible.\n    Type 'number' is not assignable to type 'string'.\n",
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.message.split("\n").length, 3);
    assert.equal(errors[0]!.line, 2);
  });

  test("a diagnostic of no file is read as one, whatever its text quotes", () => {
    const errors = parseDiagnostics("error TS2318: Cannot find global type 'src/x.ts(1,1): error TS1: y'.\n");
    assert.deepEqual(errors, [{ file: "", line: 0, message: "Cannot find global type 'src/x.ts(1,1): error TS1: y'." }]);
  });

  test("an error outside the generated files still fails the build, named from the package", () => {
    const dir = join(tmpdir(), "synapsor-typecheck-abc");
    const runtimeFile = join(PACKAGE_ROOT, "runtime", "index.ts");
    const printed = relative(dir, runtimeFile);
    const errors = verdictOf({ exitCode: 2, stdout: `${printed}(3,1): error TS2304: Cannot find name 'x'.\nerror TS5023: Unknown compiler option 'y'.\n`, stderr: "" }, dir);
    assert.deepEqual(
      errors.map((e) => [e.file, e.line]),
      [
        ["runtime/index.ts", 3],
        ["", 0],
      ],
    );
  });

  test("a failure that prints nothing readable fails the build, with the output escaped", () => {
    const errors = verdictOf({ exitCode: 3, stdout: "panic: \u001b[31mboom\u202e", stderr: "goroutine 1" }, tmpdir());
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /exited with code 3: panic: \\u001b\[31mboom\\u202e\ngoroutine 1$/);
    assert.deepEqual(verdictOf({ exitCode: -1, stdout: "", stderr: "" }, tmpdir()).length, 1);
    assert.deepEqual(verdictOf({ exitCode: 0, stdout: "", stderr: "" }, tmpdir()), []);
  });
});

describe("the type-check's temporary copy", () => {
  test("is removed after a pass and after a failure", async () => {
    assert.deepEqual(await inPrivateTmp(() => typecheckSources(new Map([["src/a.ts", "export const a = 1;\n"]]))), []);
    assert.deepEqual(await inPrivateTmp(() => typecheckSources(new Map([["src/a.ts", "export const a: string = 1;\n"]]))), []);
  });

  test("refuses a file name that would leave it, before writing anything", async () => {
    const outside = join(tmpdir(), `escaped-${process.pid}.ts`);
    await assert.rejects(typecheckSources(new Map([[`../escaped-${process.pid}.ts`, "export {};\n"]])), /BUG: generated file path/);
    await assert.rejects(typecheckSources(new Map([[outside, "export {};\n"]])), /BUG: generated file path/);
    assert.equal(existsSync(outside), false);
  });
});
