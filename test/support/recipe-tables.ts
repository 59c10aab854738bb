// Example tables for the recipes, as a team would have them: not always under the recipe's usual
// names (invoices keep their state in `state`, credits are scoped by `org_id`, tickets by
// `workspace_id`), with enum, numeric, uuid and serial columns, for both engines.

export interface RecipeCase {
  recipe: string;
  /** Extra `recipes init` flags that map the recipe onto the example table. */
  flags: string[];
}

export const RECIPE_CASES: readonly RecipeCase[] = [
  { recipe: "billing.late_fee_waiver", flags: ["--table", "invoices", "--map", "late_fee=late_fee_cents,status=state"] },
  { recipe: "credits.account_credit", flags: ["--table", "account_credits"] },
  { recipe: "orders.refund_review", flags: ["--table", "orders"] },
  { recipe: "support.ticket_resolution", flags: ["--table", "tickets", "--map", "resolution=resolution_note"] },
  { recipe: "accounts.trial_extension", flags: ["--table", "accounts"] },
];

export const RECIPE_TABLES_SQL = {
  postgres: `
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'refund_pending', 'refunded', 'cancelled');
CREATE TABLE invoices (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  customer_id text NOT NULL,
  amount_cents integer NOT NULL,
  late_fee_cents integer NOT NULL DEFAULT 0,
  state text NOT NULL CHECK (state IN ('draft', 'open', 'overdue', 'paid', 'void')),
  waiver_reason varchar(500),
  paid boolean NOT NULL DEFAULT false,
  due_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE account_credits (
  id bigserial PRIMARY KEY,
  org_id text NOT NULL,
  account_id text NOT NULL,
  amount_cents integer NOT NULL,
  status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'rejected')),
  reason text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id uuid PRIMARY KEY,
  tenant_id text NOT NULL,
  customer_id text NOT NULL,
  total_amount numeric(10,2) NOT NULL,
  refund_amount numeric(10,2) NOT NULL DEFAULT 0,
  refund_reason varchar(300),
  status order_status NOT NULL DEFAULT 'pending',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tickets (
  id serial PRIMARY KEY,
  workspace_id text NOT NULL,
  requester_id text NOT NULL,
  subject varchar(200) NOT NULL,
  priority text NOT NULL DEFAULT 'normal',
  status text NOT NULL DEFAULT 'open',
  resolution_note text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE accounts (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  name varchar(120) NOT NULL,
  plan text NOT NULL CHECK (plan IN ('trial', 'starter', 'pro')),
  trial_ends_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  mysql: `
CREATE TABLE invoices (
  id varchar(64) PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  customer_id varchar(64) NOT NULL,
  amount_cents int NOT NULL,
  late_fee_cents int NOT NULL DEFAULT 0,
  state varchar(16) NOT NULL,
  waiver_reason varchar(500),
  paid tinyint(1) NOT NULL DEFAULT 0,
  due_at datetime(6) NOT NULL,
  updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
);
CREATE TABLE account_credits (
  id bigint AUTO_INCREMENT PRIMARY KEY,
  org_id varchar(64) NOT NULL,
  account_id varchar(64) NOT NULL,
  amount_cents int NOT NULL,
  status varchar(16) NOT NULL DEFAULT 'requested',
  reason text,
  updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
);
CREATE TABLE orders (
  id char(36) PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  customer_id varchar(64) NOT NULL,
  total_amount decimal(10,2) NOT NULL,
  refund_amount decimal(10,2) NOT NULL DEFAULT 0,
  refund_reason varchar(300),
  status ENUM('pending', 'paid', 'shipped', 'delivered', 'refund_pending', 'refunded', 'cancelled') NOT NULL DEFAULT 'pending',
  updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
);
CREATE TABLE tickets (
  id int AUTO_INCREMENT PRIMARY KEY,
  workspace_id varchar(64) NOT NULL,
  requester_id varchar(64) NOT NULL,
  subject varchar(200) NOT NULL,
  priority varchar(16) NOT NULL DEFAULT 'normal',
  status varchar(16) NOT NULL DEFAULT 'open',
  resolution_note text,
  updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
);
CREATE TABLE accounts (
  id varchar(64) PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  name varchar(120) NOT NULL,
  plan varchar(16) NOT NULL,
  trial_ends_at datetime(6),
  updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
);
`,
} as const;

/** A few rows in the states the recipes' guards care about; the same SQL runs on both engines. */
export const RECIPE_ROWS_SQL = `
INSERT INTO invoices (id, tenant_id, customer_id, amount_cents, late_fee_cents, state, due_at) VALUES
  ('INV-1', 't1', 'C-1', 12000, 1500, 'overdue', '2026-10-01 00:00:00'),
  ('INV-2', 't1', 'C-1', 8000, 0, 'open', '2026-12-01 00:00:00'),
  ('INV-3', 't2', 'C-9', 5000, 900, 'overdue', '2026-10-01 00:00:00');
INSERT INTO accounts (id, tenant_id, name, plan, trial_ends_at) VALUES
  ('A-1', 't1', 'Acme Trial', 'trial', '2026-12-01 00:00:00'),
  ('A-2', 't1', 'Acme Pro', 'pro', NULL);
`;
