// Names from the config and the schema reach generated comments only encoded: a source key,
// an executor key or a table name holding a line terminator or `*/` cannot end its comment and
// start a line of code. Each generated file is parsed and compared, statement by statement,
// with the file the same config builds under plain names; and it still type-checks.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ts } from "ts-morph";
import { validateContract } from "../../compiler/config/validate.ts";
import { stringLiteral } from "../../compiler/emit/code-literal.ts";
import { emitSources } from "../../compiler/emit/emit.ts";
import { typecheckSources } from "../../compiler/emit/typecheck.ts";
import { emitPlan } from "../../compiler/pipeline.ts";
import { buildHandlerStubs } from "../../operator/handler-stub/stub.ts";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INVOICES, contractFor, planCase, table, waiver, type PlanCase } from "../support/plan-fixtures.ts";

/** Every way a name could leave a comment, each followed by a statement it would smuggle in. */
const EVIL =
  "app\nprocess.exit(1);//" +
  "\r\nprocess.exit(2);//" +
  "\u2028process.exit(3);//" +
  "\u2029process.exit(4);//" +
  "*/process.exit(5);/*" +
  "\u202eprocess.exit(6)";

type ExecutorType = "sql_update" | "command_handler";

interface Names {
  source: string;
  executor: string;
  table: string;
}

const PLAIN: Names = { source: "app", executor: "writer", table: "invoices" };
const ODD: Names = { source: EVIL, executor: `writer${EVIL}`, table: `invoices${EVIL}` };

function caseFor(engine: "postgres" | "mysql", type: ExecutorType, names: Names) {
  const capability = waiver();
  capability.source = names.source;
  capability.target.table = names.table;
  capability.executor = names.executor;
  const c: PlanCase = {
    engine,
    capability,
    tables: [table("public", names.table, INVOICES.primary_key, INVOICES.columns)],
  };
  const raw = contractFor(c);
  raw.sources = { [names.source]: raw.sources.app };
  raw.executors = { [names.executor]: type === "sql_update" ? { type } : { type, command_env: "BILLING_COMMAND" } };
  const planned = planCase(c, raw);
  assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
  const validated = validateContract(raw);
  assert.ok(validated.ok);
  return { plan: planned.plan, contract: validated.value };
}

/** The kinds of a file's syntax nodes, depth first, every identifier in its code, and its comments. */
function shape(text: string): { kinds: string[]; identifiers: Set<string>; comments: string[] } {
  const file = ts.createSourceFile("module.ts", text, ts.ScriptTarget.ES2023, true);
  const kinds: string[] = [];
  const identifiers = new Set<string>();
  const visit = (node: ts.Node): void => {
    // A quoted property name (an odd key) and a plain one are the same shape, and so are a
    // string and a template literal without substitutions (SQL with a line break is escaped JSON).
    const text = ts.isIdentifier(node) || ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
    kinds.push(text ? "Text" : ts.SyntaxKind[node.kind]!);
    if (ts.isIdentifier(node)) identifiers.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  const comments: string[] = [];
  const scanner = ts.createScanner(ts.ScriptTarget.ES2023, false, ts.LanguageVariant.Standard, text);
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SingleLineCommentTrivia || token === ts.SyntaxKind.MultiLineCommentTrivia) comments.push(scanner.getTokenText());
  }
  return { kinds, identifiers, comments };
}

function assertSameCode(odd: string, plain: string, label: string): void {
  const a = shape(odd);
  const b = shape(plain);
  assert.ok(!a.identifiers.has("process"), `${label}: a smuggled statement became code`);
  assert.deepEqual(a.kinds, b.kinds, `${label}: the odd names changed the syntax tree`);
  assert.equal(a.comments.length, b.comments.length, `${label}: the odd names changed the comments`);
  // Comments hold no raw line separator or bidi control, so an editor shows what the compiler reads.
  for (const comment of a.comments) assert.doesNotMatch(comment, /[\u2028\u2029\u202e]/, label);
}

interface PythonShape {
  kinds: string[];
  comments: string[];
  parses: boolean;
  strings: unknown[];
}

/** Python's own tokenizer and parser over generated Python sources (test/support/python/token-shape.py). */
function pythonShapes(texts: string[]): PythonShape[] {
  const dir = mkdtempSync(join(tmpdir(), "sr-pyshape-"));
  try {
    const files = texts.map((text, i) => {
      const file = join(dir, `stub${i}.py`);
      writeFileSync(file, text);
      return file;
    });
    const script = fileURLToPath(new URL("../support/python/token-shape.py", import.meta.url));
    return JSON.parse(execFileSync("python3", [script, ...files], { encoding: "utf8" })) as PythonShape[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("config and schema names inside generated comments", () => {
  for (const engine of ["postgres", "mysql"] as const) {
    for (const type of ["sql_update", "command_handler"] as const) {
      test(`${engine}, ${type}: odd source, executor and table names add no statement, and the module type-checks`, async () => {
        const odd = caseFor(engine, type, ODD);
        const plain = caseFor(engine, type, PLAIN);
        const emitted = await emitPlan(odd.plan, { bundle: false });
        assert.ok(emitted.ok, JSON.stringify(!emitted.ok && emitted.diagnostics));
        const plainFiles = emitSources(plain.plan);
        for (const [path, text] of emitted.files) {
          if (!path.endsWith(".ts")) continue;
          assertSameCode(text, plainFiles.get(path)!, path);
        }
        const module = emitted.files.get("src/capabilities/billing.propose_late_fee_waiver.ts")!;
        // The executor's name is quoted once: escaped JSON, never wrapped in a second pair of quotes.
        // (`*\/` is written `*\\/`, the same JSON value, so it cannot close a block comment either.)
        const quoted = JSON.stringify(ODD.executor)
          .replace(/[\u2028\u2029\u202e]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
          .replace(/\*\//g, "*\\/");
        assert.ok(module.includes(` ${quoted} executor`), module);
        assert.ok(!module.includes(`"${quoted}"`));
        assert.match(module, /^\/\/ billing\.propose_late_fee_waiver — proposal · source "app\\nprocess\.exit\(1\);\/\/\\r\\n/m);

        if (type === "command_handler") {
          const [stub] = buildHandlerStubs(odd.contract, odd.plan);
          const [plainStub] = buildHandlerStubs(plain.contract, plain.plan);
          assert.ok(stub && plainStub);
          assertSameCode(stub.text, plainStub.text, stub.file);
          // The table name reaches the handler's code only as a string literal.
          assert.ok(stub.text.includes(`tx.update(${stringLiteral(ODD.table)},`));
          assert.deepEqual(await typecheckSources(new Map([[stub.file, stub.text]])), []);

          // The Python stub: the same tokens as under plain names, the names only inside string literals.
          const [pyStub] = buildHandlerStubs(odd.contract, odd.plan, "python");
          const [plainPyStub] = buildHandlerStubs(plain.contract, plain.plan, "python");
          assert.ok(pyStub && plainPyStub);
          const [oddShape, plainShape] = pythonShapes([pyStub.text, plainPyStub.text]);
          assert.ok(oddShape!.parses && plainShape!.parses);
          assert.deepEqual(oddShape!.kinds, plainShape!.kinds, pyStub.file);
          for (const line of oddShape!.comments) assert.doesNotMatch(line, /[\u2028\u2029\u202e]/, pyStub.file);
          assert.ok(oddShape!.strings.includes(ODD.table), "the table name reaches Python as the same string");
        }
      });
    }
  }

  test("a config file name that is not plain is quoted in the header", async () => {
    const { plan } = caseFor("postgres", "sql_update", PLAIN);
    const emitted = await emitPlan({ ...plan, config: { ...plan.config, file: "my\nconfig.json" } }, { bundle: false });
    assert.ok(emitted.ok, JSON.stringify(!emitted.ok && emitted.diagnostics));
    const sources = [...emitted.files].filter(([path]) => /\.(ts|mjs|d\.mts)$/.test(path));
    assert.ok(sources.length > 3);
    for (const [path, text] of sources) assert.match(text, /^\/\/ Code generated by synapsor-runner \S+ from "my\\nconfig\.json" \(sha256:/, path);
    assert.match(emitSources(plan).get("src/server.ts")!, /^\/\/ Code generated by synapsor-runner \S+ from synapsor\.runner\.json \(sha256:/);
  });
});
