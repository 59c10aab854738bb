-- Support-billing example schema (PostgreSQL 15+, also runs in PGlite).
-- Every business table carries tenant_id; child rows reference their parent
-- through (tenant_id, id) so a row can never point into another tenant.

CREATE TABLE tenants (
  id   text PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE customers (
  id         text PRIMARY KEY,
  tenant_id  text NOT NULL REFERENCES tenants (id),
  name       text NOT NULL,
  email      text NOT NULL,
  plan       text NOT NULL CONSTRAINT customers_plan_check CHECK (plan IN ('starter', 'growth', 'enterprise')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customers_tenant_id_id_key UNIQUE (tenant_id, id)
);

CREATE TABLE invoices (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants (id),
  customer_id    text NOT NULL,
  amount_cents   integer NOT NULL CONSTRAINT invoices_amount_cents_check CHECK (amount_cents >= 0),
  late_fee_cents integer NOT NULL DEFAULT 0 CONSTRAINT invoices_late_fee_cents_check CHECK (late_fee_cents >= 0),
  status         text NOT NULL CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'open', 'overdue', 'paid', 'void')),
  waiver_reason  varchar(500) NULL,
  -- Staff-only notes: no capability may list this column as visible.
  internal_notes text NULL,
  due_at         timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT invoices_customer_fkey FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);

CREATE INDEX invoices_tenant_status_idx ON invoices (tenant_id, status);

CREATE TABLE support_tickets (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  customer_id text NOT NULL,
  subject     text NOT NULL,
  status      text NOT NULL CONSTRAINT support_tickets_status_check CHECK (status IN ('open', 'pending', 'closed')),
  priority    text NOT NULL DEFAULT 'normal' CONSTRAINT support_tickets_priority_check CHECK (priority IN ('low', 'normal', 'high')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT support_tickets_customer_fkey FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);

CREATE INDEX support_tickets_tenant_customer_status_idx ON support_tickets (tenant_id, customer_id, status, created_at);

-- Bump updated_at on every write that does not set it explicitly, like MySQL's
-- ON UPDATE CURRENT_TIMESTAMP(6), so the conflict guard also sees app-side edits.
CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := clock_timestamp();
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER invoices_touch_updated_at BEFORE UPDATE ON invoices
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TRIGGER support_tickets_touch_updated_at BEFORE UPDATE ON support_tickets
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
