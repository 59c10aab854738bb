import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadContractFile } from "../../compiler/config/load.ts";
import { validateContract, CONTRACT_RULES, SCHEMA_CODES } from "../../compiler/config/validate.ts";
import { LOAD_CODES } from "../../compiler/config/load.ts";
import type { Contract, HttpJwtConfig, ProposalCapabilityConfig, ReadCapabilityConfig } from "../../compiler/config/contract.ts";
import { formatDiagnostics, type Diagnostic } from "../../compiler/diagnostics.ts";
import { fullContract, fullContractCopy } from "../fixtures/configs/full-contract.ts";
import { REPO_ROOT, runCli } from "../support/cli.ts";

const FIXTURES = join(REPO_ROOT, "test/fixtures/configs");
const EXAMPLE = join(REPO_ROOT, "examples/support-billing/synapsor.runner.json");
const SCHEMA = JSON.parse(readFileSync(join(REPO_ROOT, "schemas/synapsor.runner.schema.json"), "utf8")) as Record<string, unknown>;

function problems(raw: unknown): Diagnostic[] {
  const result = validateContract(raw);
  assert.equal(result.ok, false, "expected the contract to be rejected");
  return result.ok ? [] : result.diagnostics;
}

/** code@pointer pairs, sorted, so a test states exactly what must be reported and nothing more. */
function pairs(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.pointer}`).sort();
}

const read = (c: Contract, i: number) => c.capabilities[i] as ReadCapabilityConfig;
const proposal = (c: Contract, i: number) => c.capabilities[i] as ProposalCapabilityConfig;

function goodJwt(): HttpJwtConfig {
  return {
    issuer: "https://id.example.com/",
    audience: "https://mcp.example.com/mcp",
    jwks_url_env: "JWT_JWKS_URL",
    algorithms: ["RS256"],
    claims: { tenant: "tenant_id", principal: "sub" },
    required_scopes: ["billing:read"],
    clock_skew_s: 30,
  };
}

describe("good contracts", () => {
  test("a contract with trusted_context.http_jwt is valid", () => {
    const c = fullContractCopy();
    c.trusted_context!.http_jwt = goodJwt();
    assert.deepEqual(validateContract(c).ok ? [] : (validateContract(c) as { diagnostics: Diagnostic[] }).diagnostics, []);
  });

  test("http_jwt may name a roles claim", () => {
    const c = fullContractCopy();
    c.trusted_context!.http_jwt = { ...goodJwt(), claims: { tenant: "tenant_id", principal: "sub", roles: "roles" } };
    assert.deepEqual(validateContract(c).ok ? [] : (validateContract(c) as { diagnostics: Diagnostic[] }).diagnostics, []);
  });

  test("http_jwt refuses alg none, an empty algorithm list and unknown fields", () => {
    const claims = (extra: Record<string, unknown>) => ({ claims: { tenant: "tenant_id", principal: "sub", ...extra } });
    for (const bad of [{ algorithms: ["none"] }, { algorithms: [] }, { secret: "x" }, { clock_skew_s: 301 }, claims({ roles: "" }), claims({ roles: ["roles"] }), claims({ groups: "g" })]) {
      const c = fullContractCopy() as unknown as { trusted_context: { http_jwt: unknown } };
      c.trusted_context.http_jwt = { ...goodJwt(), ...bad };
      const d = problems(c);
      assert.ok(d.length > 0 && d.every((x) => x.pointer.startsWith("/trusted_context/http_jwt")), JSON.stringify(d));
    }
  });

  test("the full fixture (every field) is valid", () => {
    const result = validateContract(fullContractCopy());
    assert.deepEqual(result.ok ? [] : result.diagnostics, []);
  });

  test("the minimal read-only fixture, with a $schema key, is valid", () => {
    const loaded = loadContractFile(join(FIXTURES, "minimal-read-only.json"));
    assert.ok(loaded.ok);
    assert.equal(validateContract(loaded.raw).ok, true);
  });

  test("examples/support-billing/synapsor.runner.json is valid", () => {
    const loaded = loadContractFile(EXAMPLE);
    assert.ok(loaded.ok, "the example contract should exist and parse");
    const result = validateContract(loaded.raw);
    assert.deepEqual(result.ok ? [] : result.diagnostics, []);
  });

  test("account_id is a business key unless it is the tenant key", () => {
    const c = fullContractCopy();
    assert.equal(validateContract(c).ok, true, "account_id feeds the id lookup of propose_account_credit");
    proposal(c, 3).target.tenant_key = "account_id";
    proposal(c, 3).target.primary_key = "id";
    assert.deepEqual(pairs(problems(c)), ["TRUST_SCOPE_ARGUMENT@/capabilities/3/args/account_id"]);
  });
});

describe("schema and TypeScript types agree", () => {
  type Node = Record<string, unknown>;
  const defs = SCHEMA.$defs as Record<string, Node>;
  const resolve = (node: Node): Node => {
    const ref = node.$ref as string | undefined;
    return ref ? { ...defs[ref.replace("#/$defs/", "")]!, ...node } : node;
  };
  const objectSchemas: Array<[string, Node]> = [["(root)", SCHEMA], ...Object.entries(defs)];

  test("every property has a title and a description", () => {
    const missing: string[] = [];
    for (const [where, node] of objectSchemas) {
      const visit = (n: Node, path: string) => {
        for (const [name, prop] of Object.entries((n.properties ?? {}) as Record<string, Node>)) {
          const resolved = resolve(prop);
          if (typeof resolved.title !== "string" || typeof resolved.description !== "string") missing.push(`${path}.${name}`);
          visit(prop, `${path}.${name}`);
        }
      };
      visit(node, where);
    }
    assert.deepEqual(missing, []);
  });

  test("every object in the schema is closed (additionalProperties false or a typed map)", () => {
    const open: string[] = [];
    const visit = (n: unknown, path: string) => {
      if (Array.isArray(n)) return n.forEach((item, i) => visit(item, `${path}/${i}`));
      if (n === null || typeof n !== "object") return;
      const node = n as Node;
      if (node.properties !== undefined && node.additionalProperties !== false) open.push(path);
      // Discriminated unions (executor, capability) are closed by their branches.
      const closedByBranches = Array.isArray(node.oneOf);
      if (node.type === "object" && node.properties === undefined && typeof node.additionalProperties !== "object" && !closedByBranches) {
        open.push(path);
      }
      for (const [k, v] of Object.entries(node)) visit(v, `${path}/${k}`);
    };
    visit(SCHEMA, "#");
    assert.deepEqual(open, []);
  });

  test("every property the schema declares is used by the full fixture typed as Contract", () => {
    const used = new Set<string>();
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(collect);
      if (v === null || typeof v !== "object") return;
      for (const [k, inner] of Object.entries(v)) {
        used.add(k);
        collect(inner);
      }
    };
    collect(fullContract);
    const declared = new Set<string>();
    const gather = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(gather);
      if (n === null || typeof n !== "object") return;
      const node = n as Node;
      for (const name of Object.keys((node.properties ?? {}) as Node)) declared.add(name);
      Object.values(node).forEach(gather);
    };
    gather(SCHEMA);
    // $schema only lets editors find the schema; it is not part of the Contract type. jwks_url_env
    // is the alternative to key_env (one contract holds only one of them); goodJwt() uses it.
    // postgres_url_env is the alternative to sqlite_path; the postgres-ledger golden case uses it.
    const alternatives = new Set(["$schema", "jwks_url_env", "postgres_url_env"]);
    const unused = [...declared].filter((name) => !used.has(name) && !alternatives.has(name));
    assert.deepEqual(unused, []);
  });
});

describe("schema errors are specific and readable", () => {
  test("unknown property suggests the close name", () => {
    const c = fullContractCopy() as unknown as Record<string, unknown>;
    (c.capabilities as Array<Record<string, unknown>>)[0]!.visible_colums = ["id"];
    const d = problems(c);
    assert.deepEqual(pairs(d), ["UNKNOWN_PROPERTY@/capabilities/0/visible_colums"]);
    assert.match(d[0]!.message, /unknown property 'visible_colums'.*did you mean 'visible_columns'/i);
  });

  test("a proposal field on a read capability explains which kind owns it", () => {
    const c = fullContractCopy() as unknown as { capabilities: Array<Record<string, unknown>> };
    c.capabilities[0]!.patch = { status: { fixed: "open" } };
    const d = problems(c);
    assert.deepEqual(pairs(d), ["UNKNOWN_PROPERTY@/capabilities/0/patch"]);
    assert.match(d[0]!.fix, /"kind": "proposal"/);
  });

  test("a misspelt kind reports one error with a suggestion, not every branch's errors", () => {
    const c = fullContractCopy() as unknown as { capabilities: Array<Record<string, unknown>> };
    c.capabilities[2]!.kind = "propsal";
    const d = problems(c);
    assert.deepEqual(pairs(d), ["INVALID_VALUE@/capabilities/2/kind"]);
    assert.match(d[0]!.message, /did you mean 'proposal'/i);
  });

  test("a proposal missing patch reports only that", () => {
    const c = fullContractCopy() as unknown as { capabilities: Array<Record<string, unknown>> };
    delete c.capabilities[2]!.patch;
    assert.deepEqual(pairs(problems(c)), ["MISSING_PROPERTY@/capabilities/2"]);
  });

  test("executor type typo and missing executor fields", () => {
    const c = fullContractCopy() as unknown as { executors: Record<string, Record<string, unknown>> };
    c.executors.billing_handler!.type = "http";
    delete c.executors.ops_command!.command_env;
    assert.deepEqual(pairs(problems(c)), [
      "INVALID_VALUE@/executors/billing_handler/type",
      "MISSING_PROPERTY@/executors/ops_command",
    ]);
  });

  test("a value of the wrong type yields one diagnostic", () => {
    const c = fullContractCopy() as unknown as { capabilities: unknown[] };
    c.capabilities.push(42);
    const d = problems(c);
    assert.deepEqual(pairs(d), ["WRONG_TYPE@/capabilities/5"]);
  });

  test("patch values and filters need exactly one of fixed / from_arg", () => {
    const c = fullContractCopy() as unknown as Record<string, any>;
    c.capabilities[2].patch.status = { fixed: "open", from_arg: "reason" };
    c.capabilities[1].lookup.filters[2] = { column: "status" };
    assert.deepEqual(pairs(problems(c)), [
      "EXCLUSIVE_PROPERTIES@/capabilities/1/lookup/filters/2",
      "EXCLUSIVE_PROPERTIES@/capabilities/2/patch/status",
    ]);
  });

  test("ranges, constants, enums and uniqueness", () => {
    const c = fullContractCopy() as unknown as Record<string, any>;
    c.version = 2;
    c.sources.app_db.statement_timeout_ms = 0;
    c.capabilities[1].max_rows = 101;
    c.capabilities[0].evidence = "always";
    c.capabilities[0].visible_columns = ["id", "status", "id"];
    c.capabilities[0].lookup.id_from_arg = "";
    assert.deepEqual(pairs(problems(c)), [
      "DUPLICATE_ITEM@/capabilities/0/visible_columns/2",
      "EMPTY_VALUE@/capabilities/0/lookup/id_from_arg",
      "INVALID_VALUE@/capabilities/0/evidence",
      "INVALID_VALUE@/version",
      "OUT_OF_RANGE@/capabilities/1/max_rows",
      "OUT_OF_RANGE@/sources/app_db/statement_timeout_ms",
    ]);
  });

  test("storage.durability: the two settings pass; anything else is refused with the allowed values", () => {
    for (const durability of ["power_loss", "process_crash"]) {
      const c = fullContractCopy() as unknown as Record<string, any>;
      c.storage = { ...c.storage, durability };
      assert.equal(validateContract(c).ok, true, durability);
    }
    for (const bad of ["FULL", "normal", "Power_Loss", "", "power_loss\u202e"]) {
      const c = fullContractCopy() as unknown as Record<string, any>;
      c.storage = { ...c.storage, durability: bad };
      const found = problems(c);
      assert.deepEqual(pairs(found), ["INVALID_VALUE@/storage/durability"], JSON.stringify(bad));
      // The message names the fix: the values it accepts.
      assert.match(found[0]!.fix, /power_loss/);
      assert.match(found[0]!.fix, /process_crash/);
      // A pasted bidi control is echoed escaped, never raw, when the diagnostics are printed.
      assert.doesNotMatch(formatDiagnostics("synapsor.runner.json", found), /\u202e/);
    }
    for (const bad of [1, null, true]) {
      const c = fullContractCopy() as unknown as Record<string, any>;
      c.storage = { ...c.storage, durability: bad };
      assert.deepEqual(pairs(problems(c)), ["WRONG_TYPE@/storage/durability"], JSON.stringify(bad));
    }
  });

  test("an env field holding a URL is rejected without repeating the secret", () => {
    const loaded = loadContractFile(join(FIXTURES, "secret-in-env-field.json"));
    assert.ok(loaded.ok);
    const d = problems(loaded.raw);
    assert.deepEqual(pairs(d), ["INVALID_ENV_NAME@/sources/app_db/read_url_env"]);
    assert.doesNotMatch(JSON.stringify(d), /hunter2|reader|db\.internal/);
  });

  test("lowercase env names are rejected", () => {
    const c = fullContractCopy() as unknown as Record<string, any>;
    c.executors.billing_handler.auth.token_env = "billing_token";
    assert.deepEqual(pairs(problems(c)), ["INVALID_ENV_NAME@/executors/billing_handler/auth/token_env"]);
  });

  test("contract rules do not run while the shape is wrong", () => {
    const c = fullContractCopy() as unknown as Record<string, any>;
    c.mode = "read-only";
    c.capabilities[1].name = c.capabilities[0].name;
    assert.deepEqual(pairs(problems(c)), ["INVALID_VALUE@/mode"]);
  });
});

type Case = { name: string; mutate: (c: Contract) => void; expect: string[]; message?: RegExp };

const ruleCases: Case[] = [
  {
    name: "duplicate capability name",
    mutate: (c) => void (c.capabilities[1]!.name = "billing.inspect_invoice"),
    expect: ["DUPLICATE_CAPABILITY@/capabilities/1/name"],
  },
  {
    name: "uppercase name",
    mutate: (c) => void (c.capabilities[0]!.name = "Billing.InspectInvoice"),
    expect: ["INVALID_CAPABILITY_NAME@/capabilities/0/name"],
  },
  {
    name: "name without a namespace",
    mutate: (c) => void (c.capabilities[0]!.name = "inspect_invoice"),
    expect: ["INVALID_CAPABILITY_NAME@/capabilities/0/name"],
  },
  {
    name: "name with two dots",
    mutate: (c) => void (c.capabilities[0]!.name = "billing.invoice.inspect"),
    expect: ["INVALID_CAPABILITY_NAME@/capabilities/0/name"],
  },
  {
    // It would end the SQL comment every planned statement starts with (compiler/emit/comment-text.ts encodes it anyway).
    name: "name that tries to close a SQL comment",
    mutate: (c) => void (c.capabilities[0]!.name = "billing.x*/ DROP TABLE invoices; /*"),
    expect: ["INVALID_CAPABILITY_NAME@/capabilities/0/name"],
  },
  {
    name: "name with a line break",
    mutate: (c) => void (c.capabilities[0]!.name = "billing.inspect\ninvoice"),
    expect: ["INVALID_CAPABILITY_NAME@/capabilities/0/name"],
  },
  {
    name: "name longer than 64 characters",
    mutate: (c) => void (c.capabilities[0]!.name = `billing.${"x".repeat(57)}`),
    expect: ["INVALID_CAPABILITY_NAME@/capabilities/0/name"],
  },
  {
    name: "names whose OpenAI aliases collide",
    mutate: (c) => {
      c.capabilities[0]!.name = "billing.x__inspect";
      c.capabilities[1]!.name = "billing__x.inspect";
    },
    expect: ["INVALID_CAPABILITY_NAME@/capabilities/1/name"],
    message: /billing__x__inspect/,
  },
  {
    name: "argument name that is not an identifier",
    mutate: (c) => {
      const r = read(c, 0);
      r.args = { "Invoice-Id": { type: "string", required: true } };
      r.lookup = { id_from_arg: "Invoice-Id" };
    },
    expect: ["INVALID_ARGUMENT_NAME@/capabilities/0/args/Invoice-Id"],
  },
  ...["tenant_id", "tenant", "TenantId", "org_id", "organization", "workspace_id", "principal", "actor", "approver", "role", "user_role"].map(
    (arg): Case => ({
      name: `trust-scope argument '${arg}'`,
      mutate: (c) => void (read(c, 0).args![arg] = { type: "string" }),
      // TenantId is also not a lowercase identifier; both problems are real.
      expect: [`TRUST_SCOPE_ARGUMENT@/capabilities/0/args/${arg}`, ...(arg === "TenantId" ? [`INVALID_ARGUMENT_NAME@/capabilities/0/args/${arg}`] : [])],
    }),
  ),
  {
    name: "an argument named after the target's tenant key",
    mutate: (c) => {
      read(c, 0).target.tenant_key = "company_id";
      read(c, 0).args!.company_id = { type: "string" };
    },
    expect: ["TRUST_SCOPE_ARGUMENT@/capabilities/0/args/company_id"],
  },
  {
    name: "a filter argument feeding the tenant key, whatever its name",
    mutate: (c) => {
      read(c, 1).args!.shop = { type: "string", required: true };
      read(c, 1).lookup.filters!.push({ column: "tenant_id", from_arg: "shop" });
    },
    expect: ["TRUST_SCOPE_ARGUMENT@/capabilities/1/lookup/filters/3/from_arg"],
  },
  {
    name: "a patch argument feeding the tenant key",
    mutate: (c) => {
      proposal(c, 2).args!.new_owner = { type: "string", required: true };
      proposal(c, 2).patch.tenant_id = { from_arg: "new_owner" };
    },
    expect: ["PATCH_PROTECTED_COLUMN@/capabilities/2/patch/tenant_id", "TRUST_SCOPE_ARGUMENT@/capabilities/2/patch/tenant_id/from_arg"],
  },
  {
    name: "proposals in read_only mode",
    mutate: (c) => void (c.mode = "read_only"),
    expect: [
      "PROPOSAL_IN_READ_ONLY_MODE@/capabilities/2/kind",
      "PROPOSAL_IN_READ_ONLY_MODE@/capabilities/3/kind",
      "PROPOSAL_IN_READ_ONLY_MODE@/capabilities/4/kind",
    ],
  },
  {
    name: "unknown source on a capability",
    mutate: (c) => void (c.capabilities[0]!.source = "app_dbb"),
    expect: ["UNKNOWN_SOURCE@/capabilities/0/source"],
    message: /did you mean 'app_db'/i,
  },
  {
    name: "unknown source on a sql_update executor",
    mutate: (c) => void (c.executors!.direct_sql = { type: "sql_update", source: "primary" }),
    expect: ["UNKNOWN_SOURCE@/executors/direct_sql/source"],
  },
  {
    name: "unknown executor",
    mutate: (c) => void (proposal(c, 2).executor = "direct_sqll"),
    expect: ["UNKNOWN_EXECUTOR@/capabilities/2/executor"],
    message: /did you mean 'direct_sql'/i,
  },
  {
    name: "sql_update executor bound to another source",
    mutate: (c) => void (c.executors!.direct_sql = { type: "sql_update", source: "warehouse" }),
    expect: ["EXECUTOR_SOURCE_MISMATCH@/capabilities/2/executor"],
  },
  {
    name: "write credential equal to the read credential",
    mutate: (c) => void (c.sources.app_db!.write_url_env = "APP_DB_READ_URL"),
    expect: ["SHARED_WRITE_CREDENTIAL@/sources/app_db/write_url_env"],
  },
  {
    name: "the principal read from the write URL's variable",
    mutate: (c) => void (c.trusted_context!.values!.principal_env = "APP_DB_WRITE_URL"),
    expect: ["TRUSTED_CONTEXT_FROM_SECRET@/trusted_context/values/principal_env"],
    message: /principal is read from APP_DB_WRITE_URL, which is also sources\.app_db\.write_url_env/,
  },
  {
    name: "the tenant read from a read URL, a handler token or the ledger key variable",
    mutate: (c) => {
      c.trusted_context!.values!.tenant_id_env = "WAREHOUSE_READ_URL";
      c.trusted_context!.values!.principal_env = "BILLING_HANDLER_TOKEN";
    },
    expect: ["TRUSTED_CONTEXT_FROM_SECRET@/trusted_context/values/principal_env", "TRUSTED_CONTEXT_FROM_SECRET@/trusted_context/values/tenant_id_env"],
  },
  {
    name: "a default trusted-context name that a credential also uses",
    mutate: (c) => {
      delete c.trusted_context;
      c.executors!.billing_handler = { type: "http_handler", url_env: "BILLING_HANDLER_URL", signing_secret_env: "SYNAPSOR_PRINCIPAL" };
      delete c.storage!.ledger_key_env;
    },
    expect: ["TRUSTED_CONTEXT_FROM_SECRET@/trusted_context"],
    message: /SYNAPSOR_PRINCIPAL, which is also executors\.billing_handler\.signing_secret_env/,
  },
  {
    name: "sql_update proposals on a source without write credential",
    mutate: (c) => void delete c.sources.app_db!.write_url_env,
    expect: ["MISSING_WRITE_CREDENTIAL@/sources/app_db"],
  },
  {
    name: "a proposal without executor is a sql_update and needs the write credential",
    mutate: (c) => void delete proposal(c, 3).executor,
    expect: ["MISSING_WRITE_CREDENTIAL@/sources/warehouse"],
  },
  {
    name: "lookup with both id_from_arg and filters",
    mutate: (c) => void (read(c, 0).lookup.filters = []),
    expect: ["INVALID_LOOKUP@/capabilities/0/lookup"],
  },
  {
    name: "lookup with neither id_from_arg nor filters",
    mutate: (c) => void (read(c, 0).lookup = {}),
    expect: ["INVALID_LOOKUP@/capabilities/0/lookup", "UNUSED_ARGUMENT@/capabilities/0/args/invoice_id"],
  },
  {
    name: "order_by on a single-row lookup",
    mutate: (c) => void (read(c, 0).lookup.order_by = [{ column: "id" }]),
    expect: ["INVALID_LOOKUP@/capabilities/0/lookup/order_by"],
  },
  {
    name: "proposal found by filters",
    mutate: (c) => void (proposal(c, 2).lookup = { filters: [{ column: "id", from_arg: "invoice_id" }] }),
    expect: ["PROPOSAL_REQUIRES_ID_LOOKUP@/capabilities/2/lookup/filters"],
  },
  {
    name: "optional id argument",
    mutate: (c) => void (read(c, 0).args!.invoice_id!.required = false),
    expect: ["ID_ARGUMENT_NOT_REQUIRED@/capabilities/0/args/invoice_id/required"],
  },
  {
    name: "max_rows above 1 on an id lookup",
    mutate: (c) => void (read(c, 0).max_rows = 5),
    expect: ["INVALID_MAX_ROWS@/capabilities/0/max_rows"],
  },
  {
    name: "id_from_arg naming an undeclared argument",
    mutate: (c) => void (read(c, 0).lookup.id_from_arg = "invoice"),
    expect: ["UNKNOWN_ARGUMENT@/capabilities/0/lookup/id_from_arg", "UNUSED_ARGUMENT@/capabilities/0/args/invoice_id"],
    message: /did you mean 'invoice_id'/i,
  },
  {
    name: "filter from_arg naming an undeclared argument",
    mutate: (c) => void (read(c, 1).lookup.filters![0] = { column: "customer_id", from_arg: "customer" }),
    expect: ["UNKNOWN_ARGUMENT@/capabilities/1/lookup/filters/0/from_arg", "UNUSED_ARGUMENT@/capabilities/1/args/customer_id"],
  },
  {
    name: "patch from_arg naming an undeclared argument",
    mutate: (c) => void (proposal(c, 2).patch.waiver_reason = { from_arg: "why" }),
    expect: ["UNKNOWN_ARGUMENT@/capabilities/2/patch/waiver_reason/from_arg", "UNUSED_ARGUMENT@/capabilities/2/args/reason"],
  },
  {
    name: "declared argument nothing uses",
    mutate: (c) => void (read(c, 0).args!.note = { type: "string" }),
    expect: ["UNUSED_ARGUMENT@/capabilities/0/args/note"],
  },
  {
    name: "patch column outside allowed_columns",
    mutate: (c) => void (proposal(c, 2).allowed_columns = ["late_fee_cents", "status"]),
    expect: ["PATCH_COLUMN_NOT_ALLOWED@/capabilities/2/patch/waiver_reason"],
  },
  {
    name: "patch and allowed_columns touching primary and tenant keys",
    mutate: (c) => {
      proposal(c, 2).patch.id = { fixed: "INV-1" };
      proposal(c, 2).allowed_columns.push("tenant_id");
    },
    expect: ["PATCH_PROTECTED_COLUMN@/capabilities/2/allowed_columns/3", "PATCH_PROTECTED_COLUMN@/capabilities/2/patch/id"],
  },
  {
    name: "bounds and guards on columns that are not allowed",
    mutate: (c) => {
      proposal(c, 2).numeric_bounds!.amount_cents = { minimum: 0 };
      proposal(c, 2).transition_guards!.priority = { from: ["low"], to: ["high"] };
    },
    expect: [
      "GUARDED_COLUMN_NOT_ALLOWED@/capabilities/2/numeric_bounds/amount_cents",
      "GUARDED_COLUMN_NOT_ALLOWED@/capabilities/2/transition_guards/priority",
    ],
  },
  {
    name: "numeric bound with minimum above maximum",
    mutate: (c) => void (proposal(c, 2).numeric_bounds!.late_fee_cents = { minimum: 100, maximum: 10 }),
    expect: ["INVALID_BOUNDS@/capabilities/2/numeric_bounds/late_fee_cents"],
  },
  {
    name: "fixed value outside numeric bounds",
    mutate: (c) => {
      proposal(c, 2).patch.late_fee_cents = { fixed: 20000 };
      delete proposal(c, 2).args!.new_late_fee_cents;
    },
    expect: ["FIXED_VALUE_OUT_OF_BOUNDS@/capabilities/2/patch/late_fee_cents/fixed"],
  },
  {
    name: "fixed non-number for a bounded column",
    mutate: (c) => {
      proposal(c, 2).patch.late_fee_cents = { fixed: "0" };
      delete proposal(c, 2).args!.new_late_fee_cents;
    },
    expect: ["FIXED_VALUE_OUT_OF_BOUNDS@/capabilities/2/patch/late_fee_cents/fixed"],
  },
  {
    name: "fixed value outside the transition guard's to list",
    mutate: (c) => void (proposal(c, 2).patch.status = { fixed: "paid" }),
    expect: ["FIXED_VALUE_NOT_IN_TRANSITION@/capabilities/2/patch/status/fixed"],
  },
  {
    name: "conflict guard on a patched column",
    mutate: (c) => void (proposal(c, 2).conflict_guard = { column: "waiver_reason" }),
    expect: ["CONFLICT_GUARD_IN_PATCH@/capabilities/2/conflict_guard/column"],
  },
  {
    name: "preconditions on a patched column, on the primary key, and behind an app-owned executor",
    mutate: (c) => {
      proposal(c, 2).preconditions = { waiver_reason: { one_of: ["x"] }, id: { one_of: ["INV-1"] } };
      proposal(c, 3).preconditions = { status: { one_of: ["open"] } };
    },
    expect: [
      "PRECONDITION_NEEDS_SQL_UPDATE@/capabilities/3/preconditions",
      "PRECONDITION_ON_PATCHED_COLUMN@/capabilities/2/preconditions/id",
      "PRECONDITION_ON_PATCHED_COLUMN@/capabilities/2/preconditions/waiver_reason",
    ],
    message: /names 'waiver_reason', which its patch also changes/,
  },
  {
    name: "argument constraints that contradict the type or each other",
    mutate: (c) => {
      const args = proposal(c, 2).args!;
      args.new_late_fee_cents = { type: "integer", required: true, minimum: 10, maximum: 5, max_length: 3 };
      args.reason = { type: "string", required: true, minimum: 1, enum: ["ok", 7] };
      args.invoice_id = { type: "string", required: true, max_length: 3, enum: ["INV-1"] };
    },
    expect: [
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/2/args/invoice_id/enum/0",
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/2/args/new_late_fee_cents/max_length",
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/2/args/new_late_fee_cents/minimum",
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/2/args/reason/enum/1",
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/2/args/reason/minimum",
    ],
  },
  {
    name: "approval durations outside 1 minute … 365 days",
    mutate: (c) => {
      proposal(c, 2).approval = { mode: "human", required_role: "billing_lead", expires_after: "366d", valid_for: "99999h" };
      proposal(c, 4).approval = { mode: "human", expires_after: "72h", valid_for: "30m" };
    },
    expect: ["INVALID_DURATION@/capabilities/2/approval/expires_after", "INVALID_DURATION@/capabilities/2/approval/valid_for"],
  },
  {
    name: "declared reviewers: a shared id, an OS user mapped twice, a required role nobody holds",
    mutate: (c) => {
      c.reviewers = [
        { id: "dana", roles: ["support"] },
        { id: "dana", roles: ["ops"], os_users: ["dwhit"] },
        { id: "lee", roles: ["ops"], os_users: ["dwhit", "lee"] },
      ];
    },
    expect: [
      "DUPLICATE_REVIEWER@/reviewers/1/id",
      "REQUIRED_ROLE_UNDECLARED@/capabilities/2/approval/required_role",
      "SHARED_OS_USER@/reviewers/2/os_users/0",
    ],
  },
  {
    name: "enum on a boolean and fractional values for an integer",
    mutate: (c) => {
      const args = proposal(c, 4).args!;
      args.ticket_id = { type: "integer", required: true, minimum: 0.5, enum: [1, 2.5] };
      args.notify = { type: "boolean", enum: ["yes"] };
      proposal(c, 4).patch.escalated = { from_arg: "notify" };
    },
    expect: [
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/4/args/notify/enum",
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/4/args/ticket_id/enum/1",
      "INVALID_ARGUMENT_CONSTRAINT@/capabilities/4/args/ticket_id/minimum",
    ],
  },
  {
    name: "http_jwt with both jwks_url_env and key_env",
    mutate: (c) => void (c.trusted_context!.http_jwt = { ...goodJwt(), key_env: "JWT_KEY" }),
    expect: ["INVALID_HTTP_JWT@/trusted_context/http_jwt"],
    message: /both jwks_url_env and key_env/,
  },
  {
    name: "http_jwt with neither jwks_url_env nor key_env",
    mutate: (c) => {
      const { jwks_url_env: _dropped, ...rest } = goodJwt();
      c.trusted_context!.http_jwt = rest;
    },
    expect: ["INVALID_HTTP_JWT@/trusted_context/http_jwt"],
    message: /neither/,
  },
  {
    name: "http_jwt: HS256 with a key set, and HS mixed with RS",
    mutate: (c) => void (c.trusted_context!.http_jwt = { ...goodJwt(), algorithms: ["RS256", "HS256"] }),
    expect: ["INVALID_HTTP_JWT@/trusted_context/http_jwt/algorithms", "INVALID_HTTP_JWT@/trusted_context/http_jwt/algorithms"],
    message: /mixes shared-secret \(HS256\)[\s\S]*never holds/,
  },
  {
    name: "http_jwt audience that is not an https resource URI",
    mutate: (c) => void (c.trusted_context!.http_jwt = { ...goodJwt(), audience: "http://mcp.example.com/mcp#x" }),
    expect: ["INVALID_HTTP_JWT@/trusted_context/http_jwt/audience"],
  },
  {
    name: "http_jwt key read from the tenant variable",
    mutate: (c) =>
      void (c.trusted_context!.http_jwt = { ...goodJwt(), jwks_url_env: undefined, key_env: c.trusted_context!.values!.tenant_id_env!, algorithms: ["HS256"] }),
    expect: ["INVALID_HTTP_JWT@/trusted_context/http_jwt/key_env"],
  },
  {
    name: "an open-proposal cap in a contract without proposals",
    mutate: (c) => {
      c.capabilities = c.capabilities.filter((cap) => cap.kind === "read");
      c.limits = { open_proposals_per_tenant: 5 };
    },
    expect: ["INVALID_LIMITS@/limits/open_proposals_per_tenant"],
    message: /no proposal capability/,
  },
  {
    name: "a principal call limit no stricter than its tenant's",
    mutate: (c) => void (c.limits = { calls_per_principal: { max: 100, window_s: 60 }, calls_per_tenant: { max: 100, window_s: 120 } }),
    expect: ["INVALID_LIMITS@/limits/calls_per_principal"],
    message: /never refuse a call/,
  },
  {
    name: "storage naming both a SQLite file and a Postgres ledger",
    mutate: (c) => void (c.storage = { sqlite_path: "./ledger.db", postgres_url_env: "SYNAPSOR_LEDGER_URL" }),
    expect: ["CONFLICTING_LEDGER@/storage/postgres_url_env"],
    message: /two ledgers.*SYNAPSOR_LEDGER_URL/,
  },
  {
    name: "the tenant read from the Postgres ledger's URL variable",
    mutate: (c) => void (c.storage = { postgres_url_env: c.trusted_context?.values?.tenant_id_env ?? "SYNAPSOR_TENANT_ID" }),
    expect: ["TRUSTED_CONTEXT_FROM_SECRET@/trusted_context/values/tenant_id_env"],
    message: /storage\.postgres_url_env/,
  },
];

describe("contract rules", () => {
  const seen = new Set<string>();
  for (const rule of ruleCases) {
    test(rule.name, () => {
      const c = fullContractCopy();
      rule.mutate(c);
      const d = problems(c);
      assert.deepEqual(pairs(d), [...rule.expect].sort());
      for (const diagnostic of d) {
        seen.add(diagnostic.code);
        assert.ok(diagnostic.message.length > 0 && diagnostic.fix.length > 0, "message and fix are both filled in");
      }
      if (rule.message) assert.match(d.map((x) => x.message).join("\n"), rule.message);
    });
  }
  test("every rule code is exercised above", () => {
    const untested = CONTRACT_RULES.map((r) => r.code).filter((code) => !seen.has(code));
    assert.deepEqual(untested, []);
  });
});

describe("all problems at once", () => {
  test("a contract with six different problems reports all six", () => {
    const loaded = loadContractFile(join(FIXTURES, "six-problems.json"));
    assert.ok(loaded.ok);
    assert.deepEqual(pairs(problems(loaded.raw)), [
      "DUPLICATE_CAPABILITY@/capabilities/1/name",
      "INVALID_MAX_ROWS@/capabilities/0/max_rows",
      "PATCH_COLUMN_NOT_ALLOWED@/capabilities/2/patch/late_fee_cents",
      "PROPOSAL_IN_READ_ONLY_MODE@/capabilities/2/kind",
      "TRUST_SCOPE_ARGUMENT@/capabilities/0/args/tenant_id",
      "UNKNOWN_SOURCE@/capabilities/1/source",
    ]);
  });
});

describe("loading", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "synapsor-config-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("returns text, raw value and the SHA-256 of the file", () => {
    const path = join(FIXTURES, "minimal-read-only.json");
    const loaded = loadContractFile(path);
    assert.ok(loaded.ok);
    const bytes = readFileSync(path);
    assert.equal(loaded.sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.equal(loaded.text, bytes.toString("utf8"));
    assert.equal(loaded.path, path);
    assert.equal((loaded.raw as Contract).mode, "read_only");
  });

  test("a missing file", () => {
    const loaded = loadContractFile(join(dir, "nope.json"));
    assert.ok(!loaded.ok);
    assert.equal(loaded.diagnostics[0]!.code, "CONFIG_NOT_FOUND");
    assert.match(loaded.diagnostics[0]!.fix, /--config|init/);
  });

  test("a directory", () => {
    const loaded = loadContractFile(dir);
    assert.ok(!loaded.ok);
    assert.equal(loaded.diagnostics[0]!.code, "CONFIG_UNREADABLE");
  });

  test("a JSON syntax error names line and column", () => {
    const loaded = loadContractFile(join(FIXTURES, "syntax-error.json"));
    assert.ok(!loaded.ok);
    const [d] = loaded.diagnostics;
    assert.equal(d!.code, "INVALID_JSON");
    assert.match(d!.message, /line 6, column 1/);
    assert.match(d!.fix, /trailing comma/);
  });

  test("an unterminated document points at its end", () => {
    const path = join(dir, "cut.json");
    writeFileSync(path, '{\n  "version": 1,\n  "mode": "review"');
    const loaded = loadContractFile(path);
    assert.ok(!loaded.ok);
    assert.match(loaded.diagnostics[0]!.message, /line 3, column 19/);
  });

  test("an empty file", () => {
    const path = join(dir, "empty.json");
    writeFileSync(path, "  \n");
    const loaded = loadContractFile(path);
    assert.ok(!loaded.ok);
    assert.equal(loaded.diagnostics[0]!.code, "INVALID_JSON");
    assert.match(loaded.diagnostics[0]!.message, /empty/);
  });

  test("a key repeated in one object is an error, with its pointer", () => {
    const path = join(dir, "dupes.json");
    writeFileSync(
      path,
      '{"mode": "read_only", "list": [{"a": 1}, {"b": "x\\"y", "b": 2}], "x": {"mode": 1}, "mode": "review"}',
    );
    const loaded = loadContractFile(path);
    assert.ok(!loaded.ok);
    assert.deepEqual(pairs(loaded.diagnostics), ["DUPLICATE_KEY@/list/1/b", "DUPLICATE_KEY@/mode"]);
  });

  test("a byte-order mark is accepted", () => {
    const path = join(dir, "bom.json");
    writeFileSync(path, "\uFEFF" + readFileSync(join(FIXTURES, "minimal-read-only.json"), "utf8"));
    const loaded = loadContractFile(path);
    assert.ok(loaded.ok);
    assert.equal(validateContract(loaded.raw).ok, true);
  });
});

describe("documentation", () => {
  test("the complete example in docs/contract.md is valid", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs/contract.md"), "utf8");
    const example = /## A complete example\s+```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    assert.ok(example, "docs/contract.md has a complete example");
    const result = validateContract(JSON.parse(example));
    assert.deepEqual(result.ok ? [] : result.diagnostics, []);
  });

  test("docs/contract.md documents every diagnostic code", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs/contract.md"), "utf8");
    const codes = [...CONTRACT_RULES.map((r) => r.code), ...SCHEMA_CODES, ...LOAD_CODES];
    assert.deepEqual(codes.filter((code) => !doc.includes(`\`${code}\``)), []);
  });
});

describe("CLI: config validate / config show", () => {
  test("a valid contract exits 0 and lists its capabilities", async () => {
    const r = await runCli(["config", "validate", "--config", EXAMPLE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^valid: 3 capabilities \(billing\.inspect_invoice \[read\], /);
  });

  test("an invalid contract exits 1 and lists every problem", async () => {
    const r = await runCli(["config", "validate", "--config", join(FIXTURES, "six-problems.json")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^6 problems in /);
    for (const code of ["DUPLICATE_CAPABILITY", "INVALID_MAX_ROWS", "PATCH_COLUMN_NOT_ALLOWED", "PROPOSAL_IN_READ_ONLY_MODE", "TRUST_SCOPE_ARGUMENT", "UNKNOWN_SOURCE"]) {
      assert.match(r.stderr, new RegExp(code));
    }
    assert.match(r.stderr, /fix: /);
  });

  test("--json prints { ok, diagnostics }", async () => {
    const bad = await runCli(["config", "validate", "--json", "--config", join(FIXTURES, "six-problems.json")]);
    assert.equal(bad.code, 1);
    const parsed = JSON.parse(bad.stdout) as { ok: boolean; diagnostics: Diagnostic[] };
    assert.equal(parsed.ok, false);
    assert.equal(parsed.diagnostics.length, 6);
    assert.ok(parsed.diagnostics.every((d) => d.code && d.pointer.startsWith("/") && d.message && d.fix));

    const good = await runCli(["config", "validate", "--json", "--config", EXAMPLE]);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual((JSON.parse(good.stdout) as { ok: boolean; diagnostics: unknown[] }).diagnostics, []);
  });

  test("a syntax error and a missing file exit 1", async () => {
    const syntax = await runCli(["config", "validate", "--config", join(FIXTURES, "syntax-error.json")]);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /INVALID_JSON[\s\S]*line 6, column 1/);
    const missing = await runCli(["config", "validate", "--json", "--config", join(FIXTURES, "no-such.json")]);
    assert.equal(missing.code, 1);
    assert.equal((JSON.parse(missing.stdout) as { diagnostics: Diagnostic[] }).diagnostics[0]!.code, "CONFIG_NOT_FOUND");
  });

  test("config show --redacted reports which variables are set, never their values", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SUPPORT_DB_READ_URL: "postgres://reader:s3cr3t-value@db/app", SYNAPSOR_TENANT_ID: "tenant-xyz-secret" };
    delete env.SUPPORT_DB_WRITE_URL;
    const r = await runCli(["config", "show", "--redacted", "--json", "--config", EXAMPLE], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /s3cr3t-value|tenant-xyz-secret/);
    const shown = JSON.parse(r.stdout) as {
      config: { sources: { app_db: { read_url_env: string } } };
      environment: Array<{ variable: string; set: boolean; pointer: string }>;
    };
    assert.equal(shown.config.sources.app_db.read_url_env, "SUPPORT_DB_READ_URL (set)");
    const byName = new Map(shown.environment.map((e) => [e.variable, e]));
    assert.equal(byName.get("SUPPORT_DB_READ_URL")?.set, true);
    assert.equal(byName.get("SUPPORT_DB_WRITE_URL")?.set, false);
    assert.equal(byName.get("SYNAPSOR_TENANT_ID")?.set, true);

    const text = await runCli(["config", "show", "--redacted", "--config", EXAMPLE], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /SUPPORT_DB_WRITE_URL\s+UNSET/);
    assert.doesNotMatch(text.stdout, /s3cr3t-value|tenant-xyz-secret/);
  });

  test("config show hides a secret pasted into an *_env field", async () => {
    const r = await runCli(["config", "show", "--redacted", "--config", join(FIXTURES, "secret-in-env-field.json")]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /hunter2/);
    assert.match(r.stdout, /hidden/);
    assert.match(r.stdout, /config validate/);
  });
});

test("the JSON Schema states the one path rule for sqlite_path: relative to the config file", () => {
  const text = readFileSync(join(REPO_ROOT, "schemas", "synapsor.runner.schema.json"), "utf8");
  const description = /"sqlite_path": \{[^}]*?"description": "([^"]*)"/.exec(text)?.[1] ?? "";
  assert.match(description, /relative to the directory of this config file/);
  assert.doesNotMatch(description, /working directory/);
});
