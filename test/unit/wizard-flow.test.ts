// The wizard's flow without a terminal: a scripted Asker answers each question, so the order of
// questions, the defaults, what a revision asks again and what reaches the screen are checked
// directly. (test/slow/wizard-*.test.ts drive the real CLI through a pseudo-terminal.)

import assert from "node:assert/strict";
import { test } from "node:test";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { UNSAFE_CLASS } from "../../runtime/text/terminal-safe.ts";
import { askSelection, type WizardPreview } from "../../operator/onboard/wizard/flow.ts";
import type { Asker, Choice } from "../../operator/onboard/wizard/prompt.ts";
import { WizardCancelled } from "../../operator/onboard/wizard/prompt.ts";
import { defaultVisibleColumns, parseValue } from "../../operator/onboard/wizard/defaults.ts";
import type { OnboardingSelection } from "../../operator/onboard/selection.ts";

const HOSTILE = "x\u001b[2Jy";
const col = (name: string, type_class: any, extra: Record<string, unknown> = {}) => ({
  name, data_type: type_class === "string" ? "text" : type_class, type_class, nullable: false, has_default: false, generated: false, ...extra,
});
const SNAPSHOT: SchemaSnapshot = {
  snapshot_version: 1,
  engine: "postgres",
  database: "clinic",
  tables: [
    {
      schema: "public", name: "invoices", kind: "table", primary_key: ["id"], foreign_keys: [],
      suggestions: { tenant_key: "clinic_id", version_column: "updated_at" },
      columns: [
        col("id", "integer"), col("clinic_id", "integer"), col("status", "string", { enum_values: ["open", "paid", "void"] }),
        col("amount_cents", "integer"), col("password_hash", "string"), col(HOSTILE, "string"), col("updated_at", "timestamp"),
      ],
    },
    {
      schema: "public", name: "clinics", kind: "table", primary_key: ["id"], foreign_keys: [], suggestions: { tenant_key: "id" },
      columns: [col("id", "integer"), col("tenant", "integer"), col("name", "string")],
    },
  ],
};

type Answer = string | string[] | ((choices: Array<Choice<unknown>>) => unknown);
const UNSAFE = new RegExp(UNSAFE_CLASS, "u");

/** Answers questions in order; a string picks the choice with that label (or is typed), an array picks several. */
function scripted(script: Array<[RegExp, Answer]>) {
  const shown: string[] = [];
  const next = (message: string): Answer => {
    shown.push(message);
    const step = script.shift();
    assert.ok(step, `unexpected question: ${message}`);
    assert.match(message, step[0]);
    return step[1];
  };
  const byLabel = <T>(choices: Array<Choice<T>>, label: string): T => {
    const found = choices.find((c) => c.label === label);
    assert.ok(found, `no choice labelled ${label} in ${choices.map((c) => c.label).join(", ")}`);
    return found.value;
  };
  const asker: Asker = {
    async select(message, choices) {
      shown.push(...choices.map((c) => `${c.label} ${c.hint ?? ""}`));
      const a = next(message);
      return typeof a === "function" ? (a(choices as Array<Choice<unknown>>) as any) : byLabel(choices, a as string);
    },
    async multiselect(message, choices) {
      shown.push(...choices.map((c) => `${c.label} ${c.hint ?? ""}`));
      const a = next(message);
      if (typeof a === "function") return a(choices as Array<Choice<unknown>>) as any;
      return (a as string[]).map((label) => byLabel(choices, label));
    },
    async input(message, options = {}) {
      const a = next(message) as string;
      const typed = a === "" ? (options.initial ?? "") : a;
      assert.equal(options.validate?.(typed), undefined, `${typed} was refused`);
      return typed;
    },
    async confirm(message) {
      return next(message) === "yes";
    },
  };
  return { asker, shown, remaining: script };
}

const keepDefaults = (choices: Array<Choice<unknown> & { selected?: boolean }>) => choices.filter((c) => c.selected).map((c) => c.value);
const okPreview = async (): Promise<WizardPreview> => ({ ok: true, text: "preview" });

const READ_ONLY_ANSWERS: Array<[RegExp, Answer]> = [
  [/Which table/, "invoices"],
  [/Primary key/, "id"],
  [/Tenant key/, "clinic_id"],
  [/Version column/, "updated_at"],
  [/Columns the model may see/, keepDefaults],
  [/Mode/, "read_only"],
  [/Tool namespace/, "billing"],
  [/Object name/, ""],
  [/Read tool name/, ""],
  [/Argument carrying/, "invoice_id"],
  [/tenant id from/, ""],
  [/principal/, ""],
];

test("read_only: the answers and defaults make the selection; the preview is shown before the confirmation", async () => {
  const previews: OnboardingSelection[] = [];
  const { asker, shown, remaining } = scripted([...READ_ONLY_ANSWERS, [/Write these files\?/, "Yes, write the files"]]);
  const selection = await askSelection({ snapshot: SNAPSHOT, readUrlEnv: "DATABASE_URL", ask: asker, preview: async (s) => (previews.push(s), okPreview()), write: () => undefined });
  assert.equal(remaining.length, 0);
  assert.equal(previews.length, 1);
  assert.equal(selection.mode, "read_only");
  assert.equal(selection.read_tool, "billing.inspect_invoice");
  assert.equal(selection.id_arg, "invoice_id");
  assert.equal(selection.tenant_env, "SYNAPSOR_TENANT_ID");
  assert.deepEqual(selection.visible_columns, ["id", "clinic_id", "status", "amount_cents", HOSTILE, "updated_at"]);
  assert.equal(selection.patch, undefined);
  // Every label, hint and question the person saw is free of control and bidi characters.
  for (const text of shown) assert.doesNotMatch(text, UNSAFE, JSON.stringify(text));
  assert.ok(shown.some((t) => t.includes("\\u001b[2J")), "the hostile column is shown escaped");
});

test("review, then revising the mode to read_only drops every review answer", async () => {
  const previews: OnboardingSelection[] = [];
  const { asker, remaining } = scripted([
    ...READ_ONLY_ANSWERS.slice(0, 5),
    [/Mode/, "review"],
    ...READ_ONLY_ANSWERS.slice(6, 10),
    [/Proposal tool name/, ""],
    [/Columns a proposal may change/, ["amount_cents"]],
    [/How does a proposal set amount_cents/, "to a fixed value"],
    [/Fixed value for amount_cents/, "0"],
    [/Add a guard/, "a read-only precondition"],
    [/Which column/, "status"], // the enum column is offered first
    [/Values status must hold/, ["open", "void"]],
    [/Add another/, "no more guards"],
    [/How is an approved proposal written/, "http_handler"],
    [/handler URL/, ""],
    [/bearer token/, ""],
    ...READ_ONLY_ANSWERS.slice(10),
    [/Write these files\?/, "Revise: mode"],
    [/Mode/, "read_only"],
    [/Write these files\?/, "Yes, write the files"],
  ]);
  const selection = await askSelection({ snapshot: SNAPSHOT, readUrlEnv: "DATABASE_URL", ask: asker, preview: async (s) => (previews.push(s), okPreview()), write: () => undefined });
  assert.equal(remaining.length, 0);
  const review = previews[0]!;
  assert.deepEqual(review.patch, { amount_cents: { fixed: 0 } });
  assert.deepEqual(review.preconditions, { status: ["open", "void"] });
  assert.equal(review.status_guards, undefined, "an empty guard list is left out");
  assert.deepEqual(review.writeback, { type: "http_handler", url_env: "SYNAPSOR_HANDLER_URL", token_env: "SYNAPSOR_HANDLER_TOKEN" });
  assert.equal(review.proposal_tool, "billing.propose_invoice_update");
  assert.equal(selection.mode, "read_only");
  for (const field of ["patch", "preconditions", "writeback", "proposal_tool", "write_url_env"] as const) assert.equal(selection[field], undefined, field);
});

test("revising the table asks again every answer that depended on it, and nothing else", async () => {
  const { asker, remaining } = scripted([
    ...READ_ONLY_ANSWERS,
    [/Write these files\?/, "Revise: table"],
    [/Which table/, "clinics"],
    [/Primary key/, "id"],
    [/Tenant key/, "tenant"],
    [/Version column/, "(none)"],
    [/Columns the model may see/, ["name"]],
    [/Tool namespace/, "clinics"],
    [/Object name/, ""],
    [/Read tool name/, ""],
    [/Argument carrying/, ""],
    [/Write these files\?/, "Yes, write the files"],
  ]);
  const selection = await askSelection({ snapshot: SNAPSHOT, readUrlEnv: "DATABASE_URL", ask: asker, preview: okPreview, write: () => undefined });
  assert.equal(remaining.length, 0);
  assert.equal(selection.table, "clinics");
  assert.equal(selection.conflict_column, undefined);
  assert.deepEqual(selection.visible_columns, ["id", "name"]);
  assert.equal(selection.read_tool, "clinics.inspect_clinic");
  assert.equal(selection.tenant_env, "SYNAPSOR_TENANT_ID", "the trusted env vars were kept");
});

test("a selection that does not plan offers only revisions and cancel; cancel throws WizardCancelled", async () => {
  let offered: string[] = [];
  const { asker } = scripted([
    ...READ_ONLY_ANSWERS,
    [/Revise a step to fix it/, (choices) => ((offered = choices.map((c) => c.label)), choices.at(-1)!.value)],
  ]);
  await assert.rejects(
    askSelection({ snapshot: SNAPSHOT, readUrlEnv: "DATABASE_URL", ask: asker, preview: async () => ({ ok: false, problems: "- visible_columns: nope" }), write: () => undefined }),
    WizardCancelled,
  );
  assert.equal(offered.includes("Yes, write the files"), false);
  assert.equal(offered.at(-1), "Cancel (write nothing)");
});

test("defaults: secret-looking columns start hidden; typed values follow the column", () => {
  assert.equal(defaultVisibleColumns(SNAPSHOT.tables[0]!).includes("password_hash"), false);
  const amount = SNAPSHOT.tables[0]!.columns[3]!;
  assert.deepEqual(parseValue(amount, "250"), { ok: true, value: 250 });
  assert.equal(parseValue(amount, "2.5").ok, false);
  assert.equal(parseValue(amount, "null").ok, false, "NOT NULL");
  assert.equal(parseValue(SNAPSHOT.tables[0]!.columns[2]!, "refunded").ok, false, "not an enum label");
});

test("a view is offered read_only only, and says why", async () => {
  const view: SchemaSnapshot = { ...SNAPSHOT, tables: [{ ...SNAPSHOT.tables[0]!, name: "open_invoices", kind: "view" }] };
  let modes: string[] = [];
  const { asker } = scripted([
    ...READ_ONLY_ANSWERS.slice(0, 5).map(([q, a]): [RegExp, Answer] => (String(q) === String(/Which table/) ? [q, "open_invoices"] : [q, a])),
    [/Mode \(a view can only be read\)/, (choices) => ((modes = choices.map((c) => c.label)), choices[0]!.value)],
    ...READ_ONLY_ANSWERS.slice(6),
    [/Write these files\?/, "Yes, write the files"],
  ]);
  const selection = await askSelection({ snapshot: view, readUrlEnv: "DATABASE_URL", ask: asker, preview: okPreview, write: () => undefined });
  assert.deepEqual(modes, ["read_only"]);
  assert.equal(selection.mode, "read_only");
});
