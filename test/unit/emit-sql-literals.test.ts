// The generated module's SQL constants are the planned statements, character for character:
// a column name holding CR LF or a line separator must not end a string literal (MySQL) or be
// turned into LF by a template literal (Postgres). Each literal is evaluated as JavaScript and
// compared with the plan's text and the manifest's hash.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { runInNewContext } from "node:vm";
import { ts } from "ts-morph";
import { emitPlan } from "../../compiler/pipeline.ts";
import { column, planCase, table } from "../support/plan-fixtures.ts";

const CRLF = "line\r\nbreak";
const LS = "para\u2028sep";

const NOTES = table("public", "notes", ["id"], [
  column("id", "text"),
  column("org_id", "text"),
  column(CRLF, "text"),
  column(LS, "integer"),
  column("rev", "bigint"),
]);

function notesProposal(): Record<string, any> {
  return {
    name: "ops.propose_note_change",
    kind: "proposal",
    source: "app",
    target: { schema: "public", table: "notes", primary_key: "id", tenant_key: "org_id" },
    args: { note_id: { type: "string", required: true, max_length: 40 }, text: { type: "string", required: true, max_length: 40 }, count: { type: "integer", required: true } },
    lookup: { id_from_arg: "note_id" },
    visible_columns: ["id", CRLF, LS, "rev"],
    patch: { [CRLF]: { from_arg: "text" }, [LS]: { from_arg: "count" } },
    allowed_columns: [CRLF, LS],
    conflict_guard: { column: "rev" },
    approval: { mode: "human" },
    executor: "writer",
  };
}

/** The value of each property of the object literal bound to `name`, evaluated as JavaScript. */
function constants(module: string, name: string): Record<string, string> {
  const file = ts.createSourceFile("module.ts", module, ts.ScriptTarget.ES2023, true);
  const out: Record<string, string> = {};
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === name) {
      let init = node.initializer!;
      if (ts.isAsExpression(init)) init = init.expression;
      assert.ok(ts.isObjectLiteralExpression(init));
      for (const p of init.properties) {
        assert.ok(ts.isPropertyAssignment(p));
        out[p.name.getText()] = runInNewContext(p.initializer.getText()) as string;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("SQL constants of a generated module", () => {
  for (const engine of ["postgres", "mysql"] as const) {
    test(`${engine}: column names with CR LF and U+2028 survive in SQL and WRITE_SQL exactly, matching the manifest's hashes`, async () => {
      const planned = planCase({ engine, capability: notesProposal(), tables: [NOTES] });
      assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
      const cap = planned.capability;
      assert.ok(cap.statement.text.includes(CRLF) && cap.statement.text.includes(LS));
      const emitted = await emitPlan(planned.plan, { bundle: false });
      assert.ok(emitted.ok, JSON.stringify(!emitted.ok && emitted.diagnostics));
      const module = emitted.files.get("src/capabilities/ops.propose_note_change.ts")!;
      const manifest = JSON.parse(emitted.files.get("manifest.json")!);
      const entry = manifest.capabilities[0];

      const sql = constants(module, "SQL");
      assert.deepEqual(Object.keys(sql), [engine]);
      assert.equal(sql[engine], cap.statement.text);
      assert.equal(sha256(sql[engine]!), entry.sql_sha256[engine]);

      const write = cap.proposal!.write!;
      const writeSql = constants(module, "WRITE_SQL");
      const statements = Object.entries(write.statements).filter(([, s]) => s !== null);
      assert.deepEqual(Object.keys(writeSql).sort(), statements.map(([k]) => k).sort());
      const manifestWrite = entry.proposal.write.statements;
      for (const [key, statement] of statements) {
        assert.equal(writeSql[key], statement!.text, key);
        const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        assert.equal(sha256(writeSql[key]!), manifestWrite[snake].sql_sha256[engine], key);
      }
      assert.ok(writeSql.update!.includes(CRLF) && writeSql.update!.includes(LS));
    });
  }
});
