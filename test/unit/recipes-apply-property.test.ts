// Property: whatever a team called its columns and whichever type of the right family it chose,
// a recipe mapped onto that table yields a contract the onboarding generator accepts (it passes
// the same validation and resolution `build` runs), with every placeholder filled and every
// patched column the one the user mapped.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Engine, ProposalCapabilityConfig } from "../../compiler/config/contract.ts";
import type { ColumnInfo, SchemaSnapshot, TypeClass } from "../../compiler/inspect/snapshot.ts";
import { suggestHints } from "../../compiler/inspect/suggestions.ts";
import { typeClassOf } from "../../compiler/inspect/type-class.ts";
import { applyRecipe } from "../../operator/recipes/apply.ts";
import { RECIPES } from "../../operator/recipes/catalogue/index.ts";
import type { ColumnRole } from "../../operator/recipes/recipe.ts";

/** Column types per engine, by the class inspect gives them. */
const TYPES: Record<Engine, Partial<Record<TypeClass, string[]>>> = {
  postgres: {
    string: ["text", "character varying(200)"],
    integer: ["integer", "smallint"],
    bigint: ["bigint"],
    decimal: ["numeric(12,2)"],
    timestamp: ["timestamp with time zone", "timestamp without time zone"],
    date: ["date"],
    uuid: ["uuid"],
  },
  mysql: {
    string: ["varchar(200)", "text"],
    integer: ["int", "smallint"],
    bigint: ["bigint"],
    decimal: ["decimal(12,2)"],
    timestamp: ["datetime(6)", "timestamp"],
    date: ["date"],
  },
};

function typesFor(engine: Engine, classes: readonly TypeClass[]): string[] {
  return classes.flatMap((c) => TYPES[engine][c] ?? []);
}

interface RoleChoice {
  /** Absent: an optional role whose column the table does not have. */
  column?: { name: string; data_type: string };
}

function roleChoice(engine: Engine, role: ColumnRole, index: number): fc.Arbitrary<RoleChoice> {
  const named = fc.record({
    name: fc.constantFrom(role.defaults[0]!, `${role.role}_col_${index}`, `x${index}_${role.role}`),
    data_type: fc.constantFrom(...typesFor(engine, role.type.classes)),
  });
  return role.optional ? fc.option(named, { nil: undefined }).map((column) => (column ? { column } : {})) : named.map((column) => ({ column }));
}

function column(name: string, data_type: string): ColumnInfo {
  return { name, data_type, type_class: typeClassOf(data_type), nullable: true, has_default: false, generated: false };
}

test("every recipe maps onto arbitrarily named and typed tables of either engine and yields a contract that resolves", () => {
  for (const recipe of RECIPES) {
    const scenario = fc.constantFrom<Engine>("postgres", "mysql").chain((engine) =>
      fc.record({
        engine: fc.constant(engine),
        roles: fc.tuple(...recipe.columns.map((role, i) => roleChoice(engine, role, i))),
        id_type: fc.constantFrom(...typesFor(engine, ["string", "integer", "bigint", "uuid"])),
        versioned: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ engine, roles, id_type, versioned }) => {
        const database = "app";
        const columns = [column("id", id_type), column("tenant_id", engine === "postgres" ? "text" : "varchar(64)")];
        const map: Record<string, string> = {};
        recipe.columns.forEach((role, i) => {
          const chosen = roles[i]!.column;
          if (chosen === undefined) return;
          columns.push(column(chosen.name, chosen.data_type));
          if (chosen.name !== role.defaults[0]) map[role.role] = chosen.name;
        });
        if (versioned) columns.push(column("updated_at", engine === "postgres" ? "timestamp with time zone" : "datetime(6)"));
        const table = recipe.table.defaults[0]!;
        const snapshot: SchemaSnapshot = {
          snapshot_version: 1,
          engine,
          database,
          tables: [
            {
              schema: engine === "mysql" ? database : "public",
              name: table,
              kind: "table",
              columns,
              primary_key: ["id"],
              foreign_keys: [],
              suggestions: suggestHints([{ schema: engine === "mysql" ? database : "public", name: table, kind: "table", columns, primary_key: ["id"], foreign_keys: [] }])[0]!,
            },
          ],
        };
        const applied = applyRecipe(recipe, snapshot, { map }, { read_url_env: "DATABASE_URL", write_url_env: "DATABASE_WRITE_URL" });
        assert.ok(applied.ok, JSON.stringify(!applied.ok && applied.problems));
        const [read, proposal] = applied.contract.capabilities as [unknown, ProposalCapabilityConfig];
        assert.ok(read);
        for (const text of [proposal.description, proposal.returns_hint, ...Object.values(proposal.args ?? {}).map((a) => a.description ?? "")]) {
          assert.doesNotMatch(text ?? "", /\{[a-z_]+\}/, "every placeholder is filled");
        }
        for (const item of recipe.patch) {
          const mapped = applied.mapped.columns[item.role];
          if (mapped !== undefined) assert.ok(mapped.name in proposal.patch, `${item.role} → ${mapped.name} is patched`);
        }
        assert.equal(proposal.approval?.required_role, recipe.approval_role);
        assert.equal(proposal.conflict_guard?.column, versioned ? "updated_at" : undefined);
      }),
      { numRuns: 60, seed: 8 },
    );
  }
});
