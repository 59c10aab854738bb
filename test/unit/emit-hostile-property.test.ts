// Property: arbitrary schema snapshots and config names (table, schema, column names, column
// types, source and executor keys, fixed values, descriptions) go through snapshot validation →
// resolve → plan → emit. Either a stage refuses with a diagnostic, or every generated file parses
// to the same syntax tree as the same build with plain names: hostile text only ever appears as
// a string literal, a key or inside a comment, never as code. Fixed seed, bounded runs.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ts } from "ts-morph";
import { validateContract } from "../../compiler/config/validate.ts";
import { emitSources } from "../../compiler/emit/emit.ts";
import { validateSnapshot } from "../../compiler/inspect/snapshot-validate.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { planContract } from "../../compiler/pipeline.ts";
import { buildHandlerStubs } from "../../operator/handler-stub/stub.ts";
import { hostileText } from "../support/hostile-names.ts";

export interface Names {
  engine: "postgres" | "mysql";
  source: string;
  executor: string;
  executorType: "sql_update" | "command_handler";
  schema: string;
  table: string;
  /** id, tenant, amount (integer), state (text), version (timestamp), note (text, visible only) */
  columns: [string, string, string, string, string, string];
  types: [string, string, string, string, string, string];
  fixed: string;
  description: string;
}

export const PLAIN_COLUMNS: Names["columns"] = ["id", "tenant_id", "amount", "state", "updated_at", "note"];
const CLASSES = ["string", "string", "integer", "string", "timestamp", "string"] as const;

export function plainNames(n: Names): Names {
  return {
    ...n,
    source: "app",
    executor: "writer",
    schema: "public",
    table: "orders",
    columns: PLAIN_COLUMNS,
    // The key and tenant columns keep their (hostile) type text: it decides whether their match
    // needs a second, exact comparison (compiler/plan/key-equality.ts), which adds parameters.
    types: [n.types[0], n.types[1], "integer", "text", "timestamp", "text"],
    fixed: "done",
    description: "Propose a change.",
  };
}

export const namesArbitrary: fc.Arbitrary<Names> = fc.record({
  engine: fc.constantFrom("postgres" as const, "mysql" as const),
  source: hostileText,
  executor: hostileText,
  executorType: fc.constantFrom("sql_update" as const, "command_handler" as const),
  schema: hostileText,
  table: hostileText,
  columns: fc.uniqueArray(hostileText, { minLength: 6, maxLength: 6 }) as fc.Arbitrary<Names["columns"]>,
  types: fc.tuple(hostileText, hostileText, hostileText, hostileText, hostileText, hostileText),
  fixed: hostileText,
  description: hostileText,
});

export function contractAndSnapshot(n: Names): { raw: Record<string, any>; snapshot: unknown } {
  const [id, tenant, amount, state, version, note] = n.columns;
  const schema = n.engine === "mysql" ? "app" : n.schema;
  const raw = {
    version: 1,
    mode: "review",
    sources: { [n.source]: { engine: n.engine, read_url_env: "APP_READ_URL", write_url_env: "APP_WRITE_URL" } },
    executors: { [n.executor]: n.executorType === "sql_update" ? { type: "sql_update" } : { type: "command_handler", command_env: "APP_COMMAND" } },
    capabilities: [
      {
        name: "ops.propose_change",
        kind: "proposal",
        description: n.description,
        source: n.source,
        target: { ...(n.engine === "postgres" ? { schema } : {}), table: n.table, primary_key: id, tenant_key: tenant },
        args: {
          order_id: { type: "string", required: true, max_length: 64, description: n.description },
          new_amount: { type: "integer", required: true, minimum: 0, description: n.fixed },
        },
        lookup: { id_from_arg: "order_id" },
        visible_columns: [id, amount, state, version, note],
        patch: { [amount]: { from_arg: "new_amount" }, [state]: { fixed: n.fixed } },
        allowed_columns: [amount, state],
        numeric_bounds: { [amount]: { minimum: 0, maximum: 100 } },
        transition_guards: { [state]: { from: ["new"], to: [n.fixed] } },
        conflict_guard: { column: version },
        approval: { mode: "human" },
        executor: n.executor,
      },
    ],
  };
  const snapshot = {
    snapshot_version: 1,
    engine: n.engine,
    database: "app",
    tables: [
      {
        schema,
        name: n.table,
        kind: "table",
        columns: n.columns.map((name, i) => ({ name, data_type: n.types[i], type_class: CLASSES[i], nullable: i === 5, has_default: false, generated: false })),
        primary_key: [id],
        foreign_keys: [],
        suggestions: {},
      },
    ],
  };
  return { raw: JSON.parse(JSON.stringify(raw)), snapshot };
}

/** The generated files (sources and handler stubs), or undefined when a stage refused with diagnostics. */
export function generate(n: Names): Map<string, string> | undefined {
  const { raw, snapshot } = contractAndSnapshot(n);
  const checked = validateSnapshot(snapshot, "synapsor.schema.json");
  if (!checked.ok) {
    assert.equal(checked.diagnostic.code, "BAD_SCHEMA_SNAPSHOT");
    return undefined;
  }
  const validated = validateContract(raw);
  if (!validated.ok) {
    assert.ok(validated.diagnostics.length > 0);
    return undefined;
  }
  const planned = planContract({ contract: validated.value, snapshot: checked.snapshot as SchemaSnapshot, configPath: "synapsor.runner.json", configSha256: "0".repeat(64) });
  if (!planned.ok) {
    assert.ok(planned.diagnostics.length > 0 && planned.diagnostics.every((d) => d.code && d.fix));
    return undefined;
  }
  const files = emitSources(planned.plan);
  for (const stub of buildHandlerStubs(validated.value, planned.plan)) files.set(`handlers/${stub.executor === n.executor ? "stub" : stub.file}.ts`, stub.text);
  return files;
}

interface Shape {
  kinds: string[];
  /** Identifiers in code positions (not keys or member names). */
  code: Set<string>;
  comments: number;
  parseErrors: number;
}

/**
 * The file's syntax tree as a list of node kinds, depth first. A key or member name is "Text"
 * whether it is an identifier, a quoted string or a computed `["__proto__"]`, and `o["k"]`
 * reads like `o.k`: that is how plain and odd names legitimately differ.
 */
function shape(text: string): Shape {
  const file = ts.createSourceFile("m.ts", text, ts.ScriptTarget.ES2023, true, ts.ScriptKind.TS);
  const kinds: string[] = [];
  const code = new Set<string>();
  const isText = (n: ts.Node) => ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isPrivateIdentifier(n);
  const visit = (node: ts.Node): void => {
    if (ts.isComputedPropertyName(node) && ts.isStringLiteral(node.expression)) {
      kinds.push("Text");
      return;
    }
    if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression)) {
      kinds.push("PropertyAccessExpression");
      visit(node.expression);
      kinds.push("Text");
      return;
    }
    kinds.push(isText(node) ? "Text" : ts.SyntaxKind[node.kind]!);
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isShorthandPropertyAssignment(parent)) && parent.name === node);
      if (!isName) code.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let comments = 0;
  const scanner = ts.createScanner(ts.ScriptTarget.ES2023, false, ts.LanguageVariant.Standard, text);
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    if (t === ts.SyntaxKind.SingleLineCommentTrivia || t === ts.SyntaxKind.MultiLineCommentTrivia) {
      comments++;
      assert.doesNotMatch(scanner.getTokenText(), RAW_UNSAFE, "a comment holds a raw invisible character");
    }
  }
  return { kinds, code, comments, parseErrors: (file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length };
}

/** The terminal escaper's unsafe class (runtime/text/terminal-safe.ts), except a line break or tab. */
const RAW_UNSAFE = /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

/** Asserts that hostile names changed nothing but text in every generated file. */
export function assertOnlyTextDiffers(odd: Map<string, string>, plain: Map<string, string>): void {
  assert.deepEqual([...odd.keys()].length, [...plain.keys()].length);
  const plainByKind = [...plain.entries()];
  [...odd.entries()].forEach(([path, text], i) => {
    // Nothing invisible anywhere in any file (the reviewed manifest included): a reviewer sees
    // every character the compiler reads. Line breaks and tabs are the files' own layout.
    assert.doesNotMatch(text, RAW_UNSAFE, `${path} holds a raw invisible character`);
    if (path.endsWith(".json")) return;
    const [plainPath, plainText] = plainByKind[i]!;
    const a = shape(text);
    const b = shape(plainText);
    assert.equal(a.parseErrors, 0, `${path} does not parse`);
    for (const id of a.code) assert.ok(b.code.has(id), `${path}: identifier ${JSON.stringify(id)} became code`);
    assert.deepEqual(a.kinds, b.kinds, `${path} (plain ${plainPath}): the syntax tree changed`);
    assert.equal(a.comments, b.comments, `${path}: the number of comments changed`);
  });
}

test("hostile snapshots and names reach generated code only as literals, keys and escaped comments", () => {
  let emitted = 0;
  fc.assert(
    fc.property(namesArbitrary, (n) => {
      const odd = generate(n);
      if (!odd) return;
      emitted++;
      const plain = generate(plainNames(n));
      assert.ok(plain, "the plain build refused");
      assertOnlyTextDiffers(odd, plain);
    }),
    { seed: 20261130, numRuns: 40 },
  );
  // The property is only worth something if most hostile inputs build.
  assert.ok(emitted >= 20, `only ${emitted} of 40 cases built`);
});
